/** Building admin API queries, and shaping analytics answers into chart series. No DOM here. */
import { fromLocalInput } from "./format.js";
import type { AnalyticsRow, GroupBy } from "./types.js";

export type Params = Record<string, string | number | null | undefined>;

/** "?a=1&b=x%20y" from the given params, leaving out empty ones; "" when none is left. */
export function queryString(params: Params): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    const s = String(v).trim();
    if (s !== "") sp.set(k, s);
  }
  const q = sp.toString();
  return q ? `?${q}` : "";
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type RangeId = "hour" | "day" | "7d" | "30d";

export interface Range {
  id: RangeId;
  label: string;
  ms: number;
  /** The chart's interval: hours for the hour and the day, days for 7 and 30 days. */
  bucket: "hour" | "day";
}

export const RANGES: readonly Range[] = [
  { id: "hour", label: "Last hour", ms: HOUR_MS, bucket: "hour" },
  { id: "day", label: "Last day", ms: DAY_MS, bucket: "hour" },
  { id: "7d", label: "7 days", ms: 7 * DAY_MS, bucket: "day" },
  { id: "30d", label: "30 days", ms: 30 * DAY_MS, bucket: "day" },
];

export const rangeOf = (id: RangeId): Range => RANGES.find((r) => r.id === id) ?? RANGES[1]!;

/** GET /admin/analytics for a range ending now: `from` and `to` in epoch ms. */
export function analyticsPath(range: Range, now: number, groupBy: GroupBy = range.bucket, key?: string): string {
  return `/admin/analytics${queryString({ groupBy, from: now - range.ms, to: now, key })}`;
}

/** The UI's log filters, as typed. */
export interface LogFilters {
  key: string;
  model: string;
  provider: string;
  /** "", "2xx", "3xx", "4xx" or "5xx". */
  status: string;
  /** "", "HIT", "MISS" or "BYPASS". */
  cache: string;
  /** "name=value". */
  metadata: string;
  guardrail: string;
  /** datetime-local values. */
  from: string;
  to: string;
}

export const NO_LOG_FILTERS: LogFilters = { key: "", model: "", provider: "", status: "", cache: "", metadata: "", guardrail: "", from: "", to: "" };

export type Built = { ok: true; query: string } | { ok: false; error: string };

/**
 * GET /admin/logs's query for the filters: metadata "name=value" becomes the API's "name:value",
 * local times become epoch ms. An error names the filter to fix.
 */
export function logsQuery(f: LogFilters, page: { cursor?: string | null; limit?: number } = {}): Built {
  let metadata: string | undefined;
  const m = f.metadata.trim();
  if (m !== "") {
    const eq = m.indexOf("=");
    const name = eq > 0 ? m.slice(0, eq).trim() : "";
    if (!name || name.includes(":") || name.length > 64) return { ok: false, error: 'Metadata filter must be "name=value", e.g. user=u1.' };
    metadata = `${name}:${m.slice(eq + 1).trim()}`;
  }
  const times: Record<"from" | "to", number | undefined> = { from: undefined, to: undefined };
  for (const which of ["from", "to"] as const) {
    const v = f[which].trim();
    if (v === "") continue;
    const ms = fromLocalInput(v);
    if (Number.isNaN(ms)) return { ok: false, error: `${which === "from" ? "From" : "To"} is not a valid date and time.` };
    times[which] = ms;
  }
  if (times.from !== undefined && times.to !== undefined && times.from > times.to) return { ok: false, error: "From is after To." };
  if (f.status && !/^[2-5]xx$/.test(f.status)) return { ok: false, error: "Status must be a class like 2xx." };
  const query = queryString({
    key: f.key,
    model: f.model,
    provider: f.provider,
    status: f.status,
    cache: f.cache,
    metadata,
    guardrail: f.guardrail,
    from: times.from,
    to: times.to,
    limit: page.limit,
    cursor: page.cursor,
  });
  return { ok: true, query };
}

/** Columns for uPlot: x in epoch seconds, one array per series; null is a gap. */
export interface Series {
  t: number[];
  requests: number[];
  errors: number[];
  cost: number[];
  p50: (number | null)[];
  p95: (number | null)[];
}

/** The start of the UTC hour or day that holds `ms`. */
export const bucketStart = (ms: number, bucket: "hour" | "day") => ms - (((ms % bucketMs(bucket)) + bucketMs(bucket)) % bucketMs(bucket));
const bucketMs = (bucket: "hour" | "day") => (bucket === "hour" ? HOUR_MS : DAY_MS);

/**
 * Every interval from `from` to `to` (UTC hours or days, as the API groups them), with zero
 * requests and no latency where the API has no row.
 */
export function timeSeries(rows: AnalyticsRow[], bucket: "hour" | "day", from: number, to: number): Series {
  const byStart = new Map<number, AnalyticsRow>();
  for (const r of rows) {
    const name = r[bucket];
    const at = name === undefined ? Number.NaN : Date.parse(name);
    if (!Number.isNaN(at)) byStart.set(bucketStart(at, bucket), r);
  }
  const s: Series = { t: [], requests: [], errors: [], cost: [], p50: [], p95: [] };
  const step = bucketMs(bucket);
  const last = bucketStart(to, bucket);
  for (let at = bucketStart(from, bucket); at <= last && s.t.length < 10_000; at += step) {
    const r = byStart.get(at);
    s.t.push(at / 1000);
    s.requests.push(r?.requests ?? 0);
    s.errors.push(r ? r.errors["4xx"] + r.errors["5xx"] : 0);
    s.cost.push(r?.costUsd ?? 0);
    s.p50.push(r?.latencyMs.p50 ?? null);
    s.p95.push(r?.latencyMs.p95 ?? null);
  }
  return s;
}

/** The `n` groups that cost most (then most requests), named by the groupBy field. */
export function topByCost(rows: AnalyticsRow[], by: GroupBy, n = 10): { name: string; requests: number; costUsd: number }[] {
  return rows
    .map((r) => ({ name: r[by] ?? "-", requests: r.requests, costUsd: r.costUsd }))
    .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n);
}
