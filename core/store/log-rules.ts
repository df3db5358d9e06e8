/**
 * Behaviour every LogStore and AnalyticsStore adapter shares: the listing order, what a filter
 * matches, the cursor, what a patch does, and what is refused. One copy, so adapters agree.
 */
import { BUCKETS, mergeHistogram } from "../analytics/histogram.js";
import type { AnalyticsRow, LogEntry, LogFilter, LogPatch } from "./types.js";

/** Where an entry sits in the listing order. */
export interface LogPosition {
  at: number;
  id: string;
}

export const DEFAULT_LOG_PAGE = 50;
export const MAX_LOG_PAGE = 1000;
/** The longest entry id a store accepts (DynamoDB keys take 2048 bytes; ULIDs are 26 characters). */
export const MAX_LOG_ID_LENGTH = 256;
/**
 * An entry id: printable ASCII, no space. ULIDs are; and ids of one alphabet sort the same in
 * every backend (JavaScript strings, DynamoDB's UTF-8 bytes, SQLite).
 */
export function isLogId(id: unknown): id is string {
  return typeof id === "string" && id.length <= MAX_LOG_ID_LENGTH && /^[\x21-\x7e]+$/.test(id);
}
/** `at` values sort as 15 digits: every millisecond until the year 33658. */
export const MAX_LOG_AT = 999_999_999_999_999;

/** The listing order, newest first: `at` descending, then `id` descending. Negative when `a` comes first. */
export function compareLogs(a: LogPosition, b: LogPosition): number {
  if (a.at !== b.at) return b.at - a.at;
  return a.id > b.id ? -1 : a.id < b.id ? 1 : 0;
}

/** Whether the entry holds for every part of the filter that is given. */
export function matchesLogFilter(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.keyId !== undefined && entry.keyId !== filter.keyId) return false;
  if (filter.model !== undefined && entry.model !== filter.model && entry.servedModel !== filter.model) return false;
  if (filter.provider !== undefined && entry.provider !== filter.provider) return false;
  if (filter.statusClass !== undefined && Math.floor(entry.status / 100) !== filter.statusClass) return false;
  if (filter.cache !== undefined && entry.cache !== filter.cache) return false;
  if (filter.from !== undefined && entry.at < filter.from) return false;
  if (filter.to !== undefined && entry.at > filter.to) return false;
  if (filter.metadata !== undefined) {
    const { name, value } = filter.metadata;
    const metadata = entry.metadata;
    // A number or boolean matches its string form ("42", "true"); an inherited name never matches.
    if (!metadata || !Object.hasOwn(metadata, name) || String(metadata[name]) !== value) return false;
  }
  if (filter.guardrail !== undefined) {
    const g = filter.guardrail;
    if (!entry.guardrails?.some((h) => h.policy === g || h.action === g)) return false;
  }
  return true;
}

/** Refuses bounds that are not numbers and a status class that is not 2..5. */
export function checkLogFilter(filter: LogFilter): void {
  for (const bound of ["from", "to"] as const) {
    const v = filter[bound];
    if (v !== undefined && !Number.isFinite(v)) throw new RangeError(`a log filter's ${bound} must be milliseconds since the epoch, got ${v}`);
  }
  const statusClass = filter.statusClass as number | undefined;
  if (statusClass !== undefined && ![2, 3, 4, 5].includes(statusClass)) throw new RangeError(`a log filter's statusClass must be 2, 3, 4 or 5, got ${statusClass}`);
}

/** `limit` as a page size: 1..1000, 50 when absent. */
export function logPageSize(limit?: number): number {
  if (limit === undefined) return DEFAULT_LOG_PAGE;
  if (!Number.isFinite(limit)) throw new RangeError(`a log page size must be a number from 1 to ${MAX_LOG_PAGE}, got ${limit}`);
  return Math.min(MAX_LOG_PAGE, Math.max(1, Math.floor(limit)));
}

/** The cursor after `position`: base64url of {"at","id"}. Opaque to callers. */
export function encodeLogCursor(position: LogPosition): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ at: position.at, id: position.id }));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Reads a cursor from encodeLogCursor. Anything else is a RangeError (the admin API's 400). */
export function decodeLogCursor(cursor: string): LogPosition {
  const invalid = (why: string) => new RangeError(`invalid log cursor: ${why}; pass back the cursor of the previous page unchanged`);
  if (typeof cursor !== "string" || cursor.length === 0 || cursor.length > 2 * MAX_LOG_ID_LENGTH + 64 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid("not a base64url string of the expected length");
  }
  let parsed: unknown;
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const text = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    parsed = JSON.parse(text);
  } catch {
    throw invalid("not base64url JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid("not an object");
  const { at, id, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalid("unexpected fields");
  if (typeof at !== "number" || !Number.isSafeInteger(at) || at < 0 || at > MAX_LOG_AT) throw invalid("bad position");
  if (!isLogId(id)) throw invalid("bad id");
  return { at, id };
}

/** What put() refuses, before anything is written: an entry without an id, or with an unusable time. */
export function checkLogEntries(entries: LogEntry[]): void {
  for (const e of entries) {
    if (!isLogId(e.id)) {
      throw new RangeError(`a log entry needs an id of 1 to ${MAX_LOG_ID_LENGTH} printable ASCII characters, got ${JSON.stringify(String(e.id).slice(0, 40))}`);
    }
    if (!Number.isSafeInteger(e.at) || e.at < 0 || e.at > MAX_LOG_AT) throw new RangeError(`log entry ${e.id}: at must be whole milliseconds since the epoch, got ${e.at}`);
    if (!Number.isFinite(e.expiresAt)) throw new RangeError(`log entry ${e.id}: expiresAt must be milliseconds since the epoch, got ${e.expiresAt}`);
  }
}

/** Refuses a patch the types allow only in name: feedback outside -1..1, a score outside 0..100, non-flat metadata. */
export function checkLogPatch(patch: LogPatch): void {
  if (patch.feedback !== undefined && patch.feedback !== -1 && patch.feedback !== 0 && patch.feedback !== 1) {
    throw new RangeError(`feedback must be -1, 0 or 1, got ${patch.feedback}`);
  }
  if (patch.score !== undefined && !(typeof patch.score === "number" && patch.score >= 0 && patch.score <= 100)) {
    throw new RangeError(`score must be a number from 0 to 100, got ${patch.score}`);
  }
  if (patch.metadata !== undefined) {
    if (typeof patch.metadata !== "object" || patch.metadata === null || Array.isArray(patch.metadata)) throw new RangeError("metadata must be an object");
    for (const [name, value] of Object.entries(patch.metadata)) {
      const flat = typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
      if (!flat) throw new RangeError(`metadata ${JSON.stringify(name)} must be a string, a finite number or a boolean`);
    }
  }
}

/** The entry after the patch: feedback and score replaced when given, metadata merged over the old. */
export function applyLogPatch(entry: LogEntry, patch: LogPatch): LogEntry {
  checkLogPatch(patch);
  const next: LogEntry = { ...entry };
  if (patch.feedback !== undefined) next.feedback = patch.feedback;
  if (patch.score !== undefined) next.score = patch.score;
  if (patch.metadata !== undefined) {
    // fromEntries defines own properties: a key named "__proto__" stays a key, never a prototype.
    next.metadata = Object.fromEntries([...Object.entries(entry.metadata ?? {}), ...Object.entries(patch.metadata)]);
  }
  return next;
}

/** The counters of an analytics row: every one adds up. */
export const ANALYTICS_COUNTERS = ["requests", "errors4xx", "errors5xx", "cacheHits", "tokensIn", "tokensOut", "tokensCached", "costMicros"] as const;

const HOUR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/;
/** The longest hour range a query may span. */
export const MAX_ANALYTICS_DAYS = 731;

/** The hour's start in ms, or a RangeError for anything but a real "YYYY-MM-DDTHH" (UTC). */
let lastHour = { text: "", ms: 0 };

export function hourStart(hour: string, what = "hour"): number {
  if (hour === lastHour.text) return lastHour.ms; // every row of an hour names the same one
  const m = typeof hour === "string" ? HOUR.exec(hour) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4])) : Number.NaN;
  if (!m || new Date(ms).toISOString().slice(0, 13) !== hour) throw new RangeError(`${what} must be an hour as "YYYY-MM-DDTHH" (UTC), got ${JSON.stringify(hour)}`);
  lastHour = { text: hour, ms };
  return ms;
}

/** The days ("YYYY-MM-DD") an hour range touches, oldest first; none when `from` is after `to`. */
export function analyticsDays(filter: { from: string; to: string }): string[] {
  const from = hourStart(filter.from, "from");
  const to = hourStart(filter.to, "to");
  const days: string[] = [];
  if (from > to) return days;
  for (let day = Math.floor(from / 86_400_000) * 86_400_000; day <= to; day += 86_400_000) {
    if (days.length === MAX_ANALYTICS_DAYS) throw new RangeError(`an analytics query spans at most ${MAX_ANALYTICS_DAYS} days`);
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

/** A guardrail counter's name: "<policy>:<action>", the action one that acted on the text. */
export const GUARDRAIL_COUNTER = /^.{1,200}:(block|redact|flag)$/s;

/**
 * What add() refuses: a malformed hour, a name that is not a string, a counter that is not a
 * finite number, a histogram that is not an object of buckets 0..80, a guardrail counter not
 * named "<policy>:<action>".
 */
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
      if (!/^(0|[1-9]\d?)$/.test(bucket) || Number(bucket) >= BUCKETS) throw new RangeError(`${name} bucket ${JSON.stringify(bucket)} is not one of 0..${BUCKETS - 1}`);
      if (!Number.isFinite(count)) throw new RangeError(`${name} bucket ${bucket} must count with a finite number, got ${count}`);
    }
  }
  const guardrails = row.guardrails;
  if (guardrails === undefined) return;
  if (typeof guardrails !== "object" || guardrails === null || Array.isArray(guardrails)) throw new RangeError("analytics guardrails must be an object of \"<policy>:<action>\" → count");
  for (const [name, count] of Object.entries(guardrails)) {
    if (!GUARDRAIL_COUNTER.test(name)) throw new RangeError(`guardrail counter ${JSON.stringify(name.slice(0, 60))} is not "<policy>:<action>" with an action of block, redact or flag`);
    if (!Number.isFinite(count)) throw new RangeError(`guardrail counter ${JSON.stringify(name)} must count with a finite number, got ${count}`);
  }
}

/** Adds the guardrail counters `b` has into `a`'s; `a` gets some only when `b` has any (rows without hits stay without). */
export function addGuardrailCounters(a: AnalyticsRow, b: AnalyticsRow): void {
  if (!b.guardrails) return;
  for (const [name, count] of Object.entries(b.guardrails)) {
    const into = (a.guardrails ??= {});
    into[name] = (into[name] ?? 0) + count;
  }
}

/** Adds `b`'s counters, histograms and guardrail counters into `a` and returns it. */
export function addAnalytics(a: AnalyticsRow, b: AnalyticsRow): AnalyticsRow {
  for (const counter of ANALYTICS_COUNTERS) a[counter] += b[counter];
  mergeHistogram(a.latency, b.latency ?? {});
  mergeHistogram(a.ttfb, b.ttfb ?? {});
  addGuardrailCounters(a, b);
  return a;
}

/** A row of the same hour, key, provider and model with nothing counted yet. */
export function emptyAnalytics(row: Pick<AnalyticsRow, "hour" | "keyId" | "provider" | "model">): AnalyticsRow {
  return { hour: row.hour, keyId: row.keyId, provider: row.provider, model: row.model, ...Object.fromEntries(ANALYTICS_COUNTERS.map((c) => [c, 0])), latency: {}, ttfb: {} } as AnalyticsRow;
}
