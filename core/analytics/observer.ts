import type { CallObserver, Gateway } from "../gateway.js";
import { addAnalytics, addGuardrailCounters, emptyAnalytics, GUARDRAIL_COUNTER } from "../store/log-rules.js";
import type { AnalyticsRow, AnalyticsStore } from "../store/types.js";
import type { CallRecord, GuardHit } from "../types.js";
import { batchKeys } from "../usage/batch-key.js";
import { Coalescer } from "../usage/coalesce.js";
import { tokensOf } from "../usage/tokens.js";
import { bucketOf } from "./histogram.js";

/**
 * Analytics counters, added as calls finish (never a scan of the log): one row per hour, caller,
 * provider and model, merged in memory while a write is in flight or waits behind the answers.
 * Every call counts, keyed or not, failed or not; a call refused before it reached a provider
 * counts under provider "-".
 */
export function analyticsObserver(gw: Gateway, store: AnalyticsStore): CallObserver {
  const rows = new Coalescer<AnalyticsRow>(addAnalytics, (row) => store.add(row), { behind: gw.behind, track: gw.runtime.defer });
  const rowKey = batchKeys();
  // The batch's write is tracked as deferred work by the Coalescer: nothing to return.
  return (record) => {
    const keyId = record.principal;
    if (!keyId) return; // refused before it was known who called (no or a bad credential)
    const hour = hourOf(record.startedAt);
    const provider = record.provider ?? "-";
    const model = record.model ?? "-";
    void rows.addTo(
      rowKey(hour, keyId, provider, model),
      () => countCall(emptyAnalytics({ hour, keyId, provider, model }), record),
      (row) => void countCall(row, record),
    );
  };
}

/** Adds one call to a row. */
function countCall(row: AnalyticsRow, record: CallRecord): AnalyticsRow {
  const hit = record.cache === "HIT";
  const tokens = tokensOf(hit ? undefined : record.usage);
  row.requests++;
  if (record.status >= 400 && record.status < 500) row.errors4xx++;
  else if (record.status >= 500) row.errors5xx++;
  if (hit) row.cacheHits++;
  row.tokensIn += tokens.in;
  row.tokensOut += tokens.out;
  row.tokensCached += tokens.cachedRead;
  row.costMicros += record.costMicros ?? 0;
  const latency = bucketOf(record.durationMs);
  row.latency[latency] = (row.latency[latency] ?? 0) + 1;
  if (record.ttfbMs !== undefined) {
    const ttfb = bucketOf(record.ttfbMs);
    row.ttfb[ttfb] = (row.ttfb[ttfb] ?? 0) + 1;
  }
  const guardrails = guardrailCounters(record.guardrails);
  if (guardrails) addGuardrailCounters(row, { guardrails } as AnalyticsRow);
  return row;
}

/**
 * "<policy>:<action>" → 1 for each policy and action that acted in the call, however many rules
 * or matches; "ignore" counts nowhere. A name the stores would refuse is left out, not the row.
 */
export function guardrailCounters(hits: GuardHit[] | undefined): Record<string, number> | undefined {
  let counters: Record<string, number> | undefined;
  for (const h of hits ?? []) {
    const name = `${h.policy}:${h.action}`;
    // A check that only failed open (count 0) took no action: the log records it, the counters don't.
    if (h.action !== "ignore" && h.count > 0 && GUARDRAIL_COUNTER.test(name)) (counters ??= {})[name] = 1;
  }
  return counters;
}

let last = { start: 0, name: "" };

/** "2026-11-29T14" for a time, UTC: one ISO string an hour rather than one a call. */
export function hourOf(ms: number): string {
  const start = ms - (ms % 3_600_000);
  if (start !== last.start) last = { start, name: new Date(start).toISOString().slice(0, 13) };
  return last.name;
}
