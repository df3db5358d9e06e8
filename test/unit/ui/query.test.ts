/** ui/src/query.ts: admin API queries from the UI's inputs, and chart series from analytics. */
import { describe, expect, it } from "vitest";
import { analyticsPath, bucketStart, DAY_MS, HOUR_MS, logsQuery, NO_LOG_FILTERS, queryString, RANGES, rangeOf, timeSeries, topByCost } from "../../../ui/src/query.js";
import type { AnalyticsRow } from "../../../ui/src/types.js";

const row = (over: Partial<AnalyticsRow>): AnalyticsRow => ({
  requests: 1,
  errors: { "4xx": 0, "5xx": 0 },
  cacheHits: 0,
  cacheHitRate: 0,
  tokens: { in: 0, out: 0, cached: 0 },
  costUsd: 0,
  latencyMs: { p50: 10, p95: 20, p99: 30 },
  ttfbMs: { p50: null, p95: null, p99: null },
  ...over,
});

describe("queryString", () => {
  it("leaves out empty values and encodes the rest", () => {
    expect(queryString({})).toBe("");
    expect(queryString({ a: "", b: null, c: undefined, d: "  " })).toBe("");
    expect(queryString({ model: "openai/gpt-4o", n: 5, q: "a b&c" })).toBe("?model=openai%2Fgpt-4o&n=5&q=a+b%26c");
  });
});

describe("analytics ranges", () => {
  it("the four ranges, hours for the hour and the day, days for 7 and 30 days", () => {
    expect(RANGES.map((r) => [r.label, r.bucket])).toEqual([
      ["Last hour", "hour"],
      ["Last day", "hour"],
      ["7 days", "day"],
      ["30 days", "day"],
    ]);
  });

  it("asks for groupBy and a from/to in epoch ms, optionally for one key", () => {
    const now = 1_800_000_000_000;
    expect(analyticsPath(rangeOf("day"), now)).toBe(`/admin/analytics?groupBy=hour&from=${now - DAY_MS}&to=${now}`);
    expect(analyticsPath(rangeOf("30d"), now, "key")).toBe(`/admin/analytics?groupBy=key&from=${now - 30 * DAY_MS}&to=${now}`);
    expect(analyticsPath(rangeOf("7d"), now, "day", "key_a")).toBe(`/admin/analytics?groupBy=day&from=${now - 7 * DAY_MS}&to=${now}&key=key_a`);
  });
});

describe("logsQuery", () => {
  it("no filter: only the page", () => {
    expect(logsQuery(NO_LOG_FILTERS)).toEqual({ ok: true, query: "" });
    expect(logsQuery(NO_LOG_FILTERS, { limit: 50, cursor: "abc" })).toEqual({ ok: true, query: "?limit=50&cursor=abc" });
  });

  it("every filter, metadata name=value as the API's name:value, local times as ms", () => {
    const from = new Date(2026, 10, 1, 9, 30).getTime();
    const to = new Date(2026, 10, 2, 18, 0).getTime();
    const q = logsQuery({ key: "key_a", model: "gpt-4o", provider: "openai", status: "5xx", cache: "HIT", metadata: "user = u1", guardrail: "pii", from: "2026-11-01T09:30", to: "2026-11-02T18:00" }, { limit: 50 });
    expect(q.ok).toBe(true);
    const sp = new URLSearchParams(q.ok ? q.query.slice(1) : "");
    expect(Object.fromEntries(sp)).toEqual({ key: "key_a", model: "gpt-4o", provider: "openai", status: "5xx", cache: "HIT", metadata: "user:u1", guardrail: "pii", from: String(from), to: String(to), limit: "50" });
  });

  it("a value may hold = and be empty", () => {
    expect(logsQuery({ ...NO_LOG_FILTERS, metadata: "q=a=b" })).toEqual({ ok: true, query: "?metadata=q%3Aa%3Db" });
    expect(logsQuery({ ...NO_LOG_FILTERS, metadata: "flag=" })).toEqual({ ok: true, query: "?metadata=flag%3A" });
  });

  it("names the filter to fix", () => {
    for (const metadata of ["user", "=u1", "a:b=c"]) expect(logsQuery({ ...NO_LOG_FILTERS, metadata })).toEqual({ ok: false, error: 'Metadata filter must be "name=value", e.g. user=u1.' });
    expect(logsQuery({ ...NO_LOG_FILTERS, from: "2026-02-31T00:00" })).toEqual({ ok: false, error: "From is not a valid date and time." });
    expect(logsQuery({ ...NO_LOG_FILTERS, from: "2026-11-02T00:00", to: "2026-11-01T00:00" })).toEqual({ ok: false, error: "From is after To." });
    expect(logsQuery({ ...NO_LOG_FILTERS, status: "200" })).toMatchObject({ ok: false });
  });
});

describe("timeSeries", () => {
  const from = Date.UTC(2026, 10, 29, 10, 30);
  const to = Date.UTC(2026, 10, 29, 13, 15);

  it("one point per UTC hour from the hour of `from` to the hour of `to`, zero where no row", () => {
    const rows = [row({ hour: "2026-11-29T11:00Z", requests: 5, errors: { "4xx": 1, "5xx": 2 }, costUsd: 0.25 }), row({ hour: "2026-11-29T13:00Z", requests: 2 })];
    const s = timeSeries(rows, "hour", from, to);
    expect(s.t).toEqual([10, 11, 12, 13].map((h) => Date.UTC(2026, 10, 29, h) / 1000));
    expect(s.requests).toEqual([0, 5, 0, 2]);
    expect(s.errors).toEqual([0, 3, 0, 0]);
    expect(s.cost).toEqual([0, 0.25, 0, 0]);
    expect(s.p50).toEqual([null, 10, null, 10]);
    expect(s.p95).toEqual([null, 20, null, 20]);
  });

  it("days: UTC days, named as the API names them", () => {
    const s = timeSeries([row({ day: "2026-11-28", requests: 7 })], "day", Date.UTC(2026, 10, 27, 12), Date.UTC(2026, 10, 29, 1));
    expect(s.t).toEqual([27, 28, 29].map((d) => Date.UTC(2026, 10, d) / 1000));
    expect(s.requests).toEqual([0, 7, 0]);
  });

  it("a row without its group name, or with a bad one, is left out", () => {
    const s = timeSeries([row({ requests: 9 }), row({ hour: "garbage", requests: 9 })], "hour", from, from);
    expect(s.requests).toEqual([0]);
  });

  it("bucketStart floors to the UTC hour and day", () => {
    expect(bucketStart(Date.UTC(2026, 0, 1, 5, 59, 59), "hour")).toBe(Date.UTC(2026, 0, 1, 5));
    expect(bucketStart(Date.UTC(2026, 0, 1, 5, 59, 59), "day")).toBe(Date.UTC(2026, 0, 1));
    expect(HOUR_MS * 24).toBe(DAY_MS);
  });
});

describe("topByCost", () => {
  it("most cost first, then most requests, then name; at most n", () => {
    const rows = [row({ model: "a", costUsd: 1, requests: 1 }), row({ model: "b", costUsd: 3 }), row({ model: "c", costUsd: 1, requests: 9 }), row({ model: "d", costUsd: 0 })];
    expect(topByCost(rows, "model", 3)).toEqual([
      { name: "b", requests: 1, costUsd: 3 },
      { name: "c", requests: 9, costUsd: 1 },
      { name: "a", requests: 1, costUsd: 1 },
    ]);
  });
});
