import type { Hono } from "hono";
import { percentile } from "../analytics/histogram.js";
import { addAnalytics, emptyAnalytics } from "../store/log-rules.js";
import type { AppEnv } from "../app-env.js";
import { badRequest, notFound } from "../errors.js";
import type { Gateway } from "../gateway.js";
import type { AnalyticsRow } from "../store/types.js";
import { guarded } from "./logs.js";
import { adminSchemas, parse } from "./schemas.js";

type GroupBy = "key" | "model" | "provider" | "day" | "hour";

const HOUR_MS = 3_600_000;
/** The widest range one query reads: a year of hourly rows. */
const MAX_RANGE_MS = 366 * 86_400_000;

/**
 * GET /admin/analytics: requests, errors, cache hit rate, tokens, cost, latency percentiles and
 * calls where a guardrail acted ("<policy>:<action>" → n, absent when none), grouped by key,
 * model, provider, day or hour, over hourly counters (never the log). The range defaults to the
 * last 24 hours; hours are UTC.
 */
export function analyticsRoutes(admin: Hono<AppEnv>, gw: Gateway) {
  admin.get("/analytics", async (c) => {
    const q = parse(adminSchemas().AnalyticsQuerySchema, c.req.query(), "query");
    const store = gw.runtime.store?.analytics;
    if (!store) throw notFound("Analytics are off on this gateway: its store keeps no analytics.", "analytics_disabled");
    const to = q.to ?? Date.now();
    const from = q.from ?? to - 24 * HOUR_MS;
    if (from > to) throw badRequest("Query parameter 'from' is after 'to'.", "from", "invalid_value");
    if (to - from > MAX_RANGE_MS) throw badRequest("The range from 'from' to 'to' may be at most 366 days.", "from", "invalid_value");
    const groupBy: GroupBy = q.groupBy ?? "model";
    const rows = await guarded(gw, () => store.query({ from: hour(from), to: hour(to), keyId: q.key }));
    const groups = new Map<string, AnalyticsRow>();
    for (const r of rows) {
      const name = groupName(r, groupBy);
      const g = groups.get(name);
      if (g) add(g, r);
      else groups.set(name, add(empty(), r));
    }
    const total = add(empty(), ...groups.values());
    const data = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, g]) => ({ [groupBy]: name, ...summary(g) }));
    return c.json({ object: "analytics", groupBy, from: new Date(from).toISOString(), to: new Date(to).toISOString(), data, totals: summary(total) });
  });
}

const hour = (ms: number) => new Date(ms - (ms % HOUR_MS)).toISOString().slice(0, 13);

function groupName(r: AnalyticsRow, by: GroupBy): string {
  switch (by) {
    case "key":
      return r.keyId;
    case "model":
      return r.provider === "-" ? "-" : `${r.provider}/${r.model}`;
    case "provider":
      return r.provider;
    case "day":
      return r.hour.slice(0, 10);
    case "hour":
      return `${r.hour}:00Z`;
  }
}

const empty = (): AnalyticsRow => emptyAnalytics({ hour: "", keyId: "", provider: "", model: "" } as AnalyticsRow);

function add(into: AnalyticsRow, ...rows: AnalyticsRow[]): AnalyticsRow {
  for (const r of rows) addAnalytics(into, r);
  return into;
}

function summary(g: AnalyticsRow) {
  const pct = (h: Record<string, number>) => ({ p50: percentile(h, 50) ?? null, p95: percentile(h, 95) ?? null, p99: percentile(h, 99) ?? null });
  return {
    requests: g.requests,
    errors: { "4xx": g.errors4xx, "5xx": g.errors5xx },
    cacheHits: g.cacheHits,
    cacheHitRate: g.requests ? g.cacheHits / g.requests : 0,
    tokens: { in: g.tokensIn, out: g.tokensOut, cached: g.tokensCached },
    costUsd: g.costMicros / 1e6,
    latencyMs: pct(g.latency),
    ttfbMs: pct(g.ttfb),
    ...(g.guardrails ? { guardrails: Object.fromEntries(Object.entries(g.guardrails).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) } : {}),
  };
}
