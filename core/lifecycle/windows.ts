/**
 * Rate windows and budget periods: where they start, what a window holds as seen at a moment
 * (sliding windows weigh the previous minute by how much of it still overlaps the last 60 s),
 * when a request will fit again, and the counters' names.
 */

export const MINUTE_MS = 60_000;
export type Period = "day" | "month" | "total";

interface PeriodSpan {
  start: number;
  ms: number;
  end?: number;
}

/** The last span computed per period: every keyed request asks for one, and it changes once a day. */
const lastSpan = new Map<Period, PeriodSpan>();

/** Start of the budget period holding `now` (UTC) and a span long enough to keep its counter. */
export function periodWindow(period: Period, now: number): PeriodSpan {
  const known = lastSpan.get(period);
  if (known && now >= known.start && (known.end === undefined || now < known.end)) return known;
  const span = computePeriod(period, now);
  lastSpan.set(period, span);
  return span;
}

function computePeriod(period: Period, now: number): PeriodSpan {
  const d = new Date(now);
  if (period === "day") {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { start, ms: 86_400_000, end: start + 86_400_000 };
  }
  if (period === "month") {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { start, ms: 31 * 86_400_000, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
  }
  return { start: 0, ms: 1000 * 365 * 86_400_000 };
}

interface KeyCounterNames {
  rpm: string;
  inFlight: string;
  tpm: string;
  spend: Record<Period, string>;
}

const keyCounterNames = new Map<string, KeyCounterNames>();

/** A key's counter names, built once: every keyed request names them (and a Map hashes a string it has seen at once). */
export function keyCounters(keyId: string): KeyCounterNames {
  let names = keyCounterNames.get(keyId);
  if (!names) {
    if (keyCounterNames.size >= 50_000) keyCounterNames.clear();
    names = { rpm: `rpm:key:${keyId}`, inFlight: `inflight:key:${keyId}`, tpm: `tpm:key:${keyId}`, spend: { day: `spend:${keyId}:day`, month: `spend:${keyId}:month`, total: `spend:${keyId}:total` } };
    keyCounterNames.set(keyId, names);
  }
  return names;
}

export const spendCounter = (keyId: string, period: Period) => keyCounters(keyId).spend[period];

/** One rate window as seen at `now`: the counts and how much of the previous window still counts. */
export interface WindowView {
  start: number;
  ms: number;
  prev: number;
  current: number;
  /** Weight of the previous window: 1 - elapsed/ms when sliding, 0 when fixed. */
  weight: number;
}

export function windowStart(now: number, ms: number): number {
  return now - (now % ms);
}

export const effective = (w: WindowView) => w.prev * w.weight + w.current;

/** Milliseconds until `cost` more fits under `limit` if nothing else arrives. */
export function retryAfterMs(w: WindowView, limit: number, cost: number, now: number): number {
  const toEnd = w.start + w.ms - now;
  if (w.weight === 0 || w.current + cost > limit) {
    if (w.weight === 0 || w.current === 0) return Math.max(0, toEnd);
    // Next window: this window's count becomes the previous one and fades out.
    const fade = w.current > limit - cost ? w.ms * (1 - (limit - cost) / w.current) : 0;
    return Math.max(0, toEnd + fade);
  }
  if (w.prev <= 0) return 0;
  const elapsedNeeded = w.ms * (1 - (limit - cost - w.current) / w.prev);
  return Math.max(0, w.start + elapsedNeeded - now);
}

/** OpenAI's style for x-ratelimit-reset-*: "20ms", "7s", "6m0s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
