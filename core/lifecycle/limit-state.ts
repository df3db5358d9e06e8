import type { LimitStore } from "../store/types.js";
import type { ProcessCounters } from "./counters.js";
import { MINUTE_MS, windowStart, type WindowView } from "./windows.js";

/** How long after a window ends its count is still re-read rather than kept. */
const SETTLE_MS = 2_000;

/** How old a token or spend count read from a shared store may be before it is read again. */
export const SHARED_COUNT_FRESH_MS = 1_000;

/**
 * Per-gateway state (Gateway.limits): closed windows' final counts, recent token and spend counts,
 * and in-flight requests per key.
 */
export class LimitState {
  private readonly prevCounts = new Map<string, number>();
  private readonly recent = new Map<string, { n: number; at: number; refreshing?: boolean }>();
  readonly inFlight = new Map<string, number>();

  /**
   * `shared`: the counters are a store other hosts count in too (DynamoDB, the Durable Object).
   * Then the token and spend counts a check reads (not the request counters it hits, which stay
   * atomic) are kept for SHARED_COUNT_FRESH_MS and refreshed behind the answer, and this host's
   * own additions land in them at once: a steady stream of requests costs one store round trip
   * each (the rpm hit), and other hosts' tokens are seen within a second.
   */
  constructor(
    readonly counters: LimitStore,
    readonly shared = false,
    readonly defer: (work: Promise<unknown>) => void = (work) => void work.catch(() => {}),
    /** The same counters when this process owns them: a check then settles at once, without a promise. */
    readonly local?: ProcessCounters,
  ) {}

  /**
   * A window read at once from this process's counters; undefined when it isn't in memory (a
   * long-lived counter not yet read) or the counters are a store's. A closed rate window is
   * still in memory (kept two windows), and one this process never counted holds nothing.
   */
  viewNow(counter: string, now: number, sliding: boolean, readCurrent: boolean): WindowView | undefined {
    if (!this.local) return undefined;
    const start = windowStart(now, MINUTE_MS);
    const prev = sliding ? this.local.peek(counter, start - MINUTE_MS) : 0;
    const current = readCurrent ? this.local.peek(counter, start) : 0;
    if (prev === undefined || current === undefined) return undefined;
    return { start, ms: MINUTE_MS, prev, current, weight: sliding ? 1 - (now - start) / MINUTE_MS : 0 };
  }

  /** The current count of a token or spend window, as fresh as `shared` allows. */
  async count(counter: string, start: number): Promise<number> {
    if (!this.shared) return this.counters.get(counter, start);
    const id = `${counter}\u0000${start}`;
    const known = this.recent.get(id);
    const now = Date.now();
    if (known && now - known.at < SHARED_COUNT_FRESH_MS) return known.n;
    if (known) {
      if (!known.refreshing) {
        known.refreshing = true;
        this.defer(this.read(id, counter, start));
      }
      return known.n;
    }
    return this.read(id, counter, start);
  }

  /** This host added to a counter and the store answered its new total. */
  added(counter: string, start: number, total: number) {
    if (this.shared) this.remember(`${counter}\u0000${start}`, total);
  }

  private async read(id: string, counter: string, start: number): Promise<number> {
    try {
      const n = await this.counters.get(counter, start);
      this.remember(id, n);
      return n;
    } finally {
      const r = this.recent.get(id);
      if (r) r.refreshing = false;
    }
  }

  private remember(id: string, n: number) {
    if (this.recent.size >= 50_000) this.recent.clear();
    this.recent.set(id, { n, at: Date.now() });
  }

  /**
   * The count of a window that has ended: read, then kept, since it no longer changes — except
   * just after the boundary, when hits that started before it may still be landing.
   */
  async closed(counter: string, start: number, now: number): Promise<number> {
    const id = `${counter}\u0000${start}`;
    const known = this.prevCounts.get(id);
    if (known !== undefined) return known;
    const n = await this.counters.get(counter, start);
    if (now - (start + MINUTE_MS) >= SETTLE_MS) {
      if (this.prevCounts.size >= 50_000) this.prevCounts.clear();
      this.prevCounts.set(id, n);
    }
    return n;
  }

  async view(counter: string, now: number, sliding: boolean, readCurrent: boolean): Promise<WindowView> {
    const start = windowStart(now, MINUTE_MS);
    const [prev, current] = await Promise.all([
      sliding ? this.closed(counter, start - MINUTE_MS, now) : 0,
      readCurrent ? this.count(counter, start) : 0,
    ]);
    return { start, ms: MINUTE_MS, prev, current, weight: sliding ? 1 - (now - start) / MINUTE_MS : 0 };
  }
}
