/**
 * What the log and analytics refuse, as RangeErrors (the caller's mistake, the admin API's 400),
 * checked in the Worker before any object is called: a refused batch writes nothing anywhere.
 * The same rules as the store contract (test/store/contract.ts) holds every adapter to.
 */
import { BUCKETS } from "../../analytics/histogram.js";
import type { AnalyticsRow, LogEntry, LogPatch } from "../types.js";

export const DEFAULT_LOG_PAGE = 50;
export const MAX_LOG_PAGE = 1000;
/** The longest entry id the log takes (ULIDs are 26 characters). */
export const MAX_LOG_ID_LENGTH = 256;
/** The latest `at` the log takes: every millisecond until the year 33658. */
export const MAX_LOG_AT = 999_999_999_999_999;
/** The longest hour range an analytics query may span, in days touched. */
export const MAX_ANALYTICS_DAYS = 731;

const DAY_MS = 86_400_000;
const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;
const BUCKET = /^(0|[1-9]\d?)$/;
const ANALYTICS_COUNTERS = ["requests", "errors4xx", "errors5xx", "cacheHits", "tokensIn", "tokensOut", "tokensCached", "costMicros"] as const;

/** Whether an id could name a stored entry (a longer or empty one never does). */
export function isLogId(id: unknown): id is string {
  return typeof id === "string" && id.length > 0 && id.length <= MAX_LOG_ID_LENGTH;
}

/** put() refuses an entry without an id, or with an unusable time. */
export function checkLogEntries(entries: LogEntry[]): void {
  for (const e of entries) {
    if (!isLogId(e.id)) throw new RangeError(`a log entry needs an id of 1 to ${MAX_LOG_ID_LENGTH} characters, got ${JSON.stringify(String(e.id).slice(0, 40))}`);
    if (!Number.isSafeInteger(e.at) || e.at < 0 || e.at > MAX_LOG_AT) throw new RangeError(`log entry ${e.id}: at must be whole milliseconds since the epoch, got ${e.at}`);
    if (!Number.isFinite(e.expiresAt)) throw new RangeError(`log entry ${e.id}: expiresAt must be milliseconds since the epoch, got ${e.expiresAt}`);
  }
}

/** `limit` as a page size: 1..1000 (clamped), 50 when absent. */
export function logPageSize(limit?: number): number {
  if (limit === undefined) return DEFAULT_LOG_PAGE;
  if (typeof limit !== "number" || Number.isNaN(limit)) throw new RangeError(`a log page size must be a number from 1 to ${MAX_LOG_PAGE}, got ${limit}`);
  return Math.min(MAX_LOG_PAGE, Math.max(1, Math.floor(limit)));
}

/** A patch the log can apply as given: feedback -1..1, a score 0..100, flat metadata. */
export function checkLogPatch(patch: LogPatch): void {
  if (patch.feedback !== undefined && patch.feedback !== -1 && patch.feedback !== 0 && patch.feedback !== 1) throw new RangeError(`feedback must be -1, 0 or 1, got ${patch.feedback}`);
  if (patch.score !== undefined && !(typeof patch.score === "number" && patch.score >= 0 && patch.score <= 100)) throw new RangeError(`score must be a number from 0 to 100, got ${patch.score}`);
  if (patch.metadata === undefined) return;
  if (typeof patch.metadata !== "object" || patch.metadata === null || Array.isArray(patch.metadata)) throw new RangeError("metadata must be an object");
  for (const [name, value] of Object.entries(patch.metadata as Record<string, unknown>)) {
    const flat = typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
    if (!flat) throw new RangeError(`metadata ${JSON.stringify(name.slice(0, 40))} must be a string, a finite number or a boolean`);
  }
}

/** The hour's start in ms; a RangeError for anything but a real "YYYY-MM-DDTHH" (UTC). */
export function hourStart(hour: unknown, what = "hour"): number {
  const m = typeof hour === "string" ? HOUR.exec(hour) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4])) : Number.NaN;
  if (!m || new Date(ms).toISOString().slice(0, 13) !== hour) throw new RangeError(`${what} must be an hour as "YYYY-MM-DDTHH" (UTC), got ${JSON.stringify(String(hour).slice(0, 40))}`);
  return ms;
}

/** add() refuses a malformed hour, a name that is not a string, a counter that is not finite, a bucket outside 0..80. */
export function checkAnalyticsRow(row: AnalyticsRow): void {
  hourStart(row.hour);
  for (const field of ["keyId", "provider", "model"] as const) {
    if (typeof row[field] !== "string") throw new RangeError(`an analytics row needs ${field} as a string`);
  }
  for (const counter of ANALYTICS_COUNTERS) {
    if (!Number.isFinite(row[counter])) throw new RangeError(`analytics ${counter} must be a finite number, got ${row[counter]}`);
  }
  for (const [name, histogram = {}] of [["latency", row.latency] as const, ["ttfb", row.ttfb] as const]) {
    if (typeof histogram !== "object" || histogram === null || Array.isArray(histogram)) throw new RangeError(`analytics ${name} must be an object of bucket → count`);
    for (const [bucket, count] of Object.entries(histogram)) {
      if (!BUCKET.test(bucket) || Number(bucket) >= BUCKETS) throw new RangeError(`${name} bucket ${JSON.stringify(bucket.slice(0, 20))} is not one of 0..${BUCKETS - 1}`);
      if (!Number.isFinite(count)) throw new RangeError(`${name} bucket ${bucket} must count with a finite number, got ${count}`);
    }
  }
}

/** query() refuses a malformed hour and a range over MAX_ANALYTICS_DAYS days; false when the range is empty (from after to). */
export function checkAnalyticsRange(filter: { from: string; to: string }): boolean {
  const from = hourStart(filter.from, "from");
  const to = hourStart(filter.to, "to");
  if (from > to) return false;
  if (Math.floor(to / DAY_MS) - Math.floor(from / DAY_MS) + 1 > MAX_ANALYTICS_DAYS) throw new RangeError(`an analytics query spans at most ${MAX_ANALYTICS_DAYS} days`);
  return true;
}
