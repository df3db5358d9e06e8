import type { BreakerConfig } from "../config.js";

export interface BreakerView {
  /** "provider/model" as routed. */
  target: string;
  state: "closed" | "open" | "half-open";
  /** Failures counted in the current window. */
  failures: number;
  /** When an open breaker lets a probe through (ISO time). */
  retryAt?: string;
}

interface Entry {
  /** Times of recent failures, oldest first, at most `failures` of them. */
  times: number[];
  openUntil: number;
  /** A half-open breaker lets one request through at a time; it decides open or closed. */
  probing: boolean;
}

/**
 * One circuit breaker per target in this process: a target that fails `failures` times within
 * `windowMs` is skipped for `cooldownMs`; then one request probes it (half-open) and its outcome
 * closes or reopens the breaker. Per process on purpose: a Lambda instance or Worker isolate
 * learns of an outage from its own traffic within a few requests, at no store round trip.
 */
export class Breakers {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly config: BreakerConfig,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.config.failures > 0;
  }

  /**
   * Whether a request may go to `target` now. An open breaker whose cool-down is over lets this
   * one request through as the probe.
   */
  allows(target: string): boolean {
    if (this.entries.size === 0) return true;
    const e = this.entries.get(target);
    if (!e || e.openUntil === 0) return true;
    if (this.now() < e.openUntil || e.probing) return false;
    e.probing = true;
    return true;
  }

  /** Milliseconds until the soonest of these targets takes a probe. */
  waitMs(targets: string[]): number {
    let soonest = Infinity;
    for (const t of targets) soonest = Math.min(soonest, (this.entries.get(t)?.openUntil ?? 0) - this.now());
    return Math.max(0, Number.isFinite(soonest) ? soonest : 0);
  }

  success(target: string) {
    if (this.entries.size) this.entries.delete(target);
  }

  failure(target: string) {
    if (!this.enabled) return;
    const now = this.now();
    let e = this.entries.get(target);
    if (!e) this.entries.set(target, (e = { times: [], openUntil: 0, probing: false }));
    if (e.probing) return this.open(e, now);
    e.times.push(now);
    while (e.times.length && e.times[0]! <= now - this.config.windowMs) e.times.shift();
    if (e.times.length >= this.config.failures) this.open(e, now);
  }

  /** A probe that ended with no verdict (the client left): the next request probes instead. */
  release(target: string) {
    const e = this.entries.get(target);
    if (e) e.probing = false;
  }

  view(): BreakerView[] {
    const now = this.now();
    const out: BreakerView[] = [];
    for (const [target, e] of this.entries) {
      const recent = e.times.filter((t) => t > now - this.config.windowMs).length;
      if (e.openUntil === 0) {
        if (recent) out.push({ target, state: "closed", failures: recent });
      } else {
        out.push({ target, state: now < e.openUntil ? "open" : "half-open", failures: recent, retryAt: new Date(e.openUntil).toISOString() });
      }
    }
    return out.sort((a, b) => a.target.localeCompare(b.target));
  }

  private open(e: Entry, now: number) {
    e.openUntil = now + this.config.cooldownMs;
    e.probing = false;
    e.times = [];
  }
}
