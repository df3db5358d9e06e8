import type { CallObserver, Gateway } from "../gateway.js";
import { addGuardrailCounters, GUARDRAIL_COUNTER } from "../store/log-rules.js";
import type { AnalyticsRow, AnalyticsStore } from "../store/types.js";
import type { GuardHit } from "../types.js";
import { Coalescer } from "../usage/coalesce.js";
import { tokensOf } from "../usage/tokens.js";
import { bucketOf, mergeHistogram } from "./histogram.js";

const SUMMED = ["requests", "errors4xx", "errors5xx", "cacheHits", "tokensIn", "tokensOut", "tokensCached", "costMicros"] as const;

/**
 * Analytics counters, added as calls finish (never a scan of the log): one row per hour, caller,
 * provider and model, merged in memory while a write is in flight or waits behind the answers.
 * Every call counts, keyed or not, failed or not; a call refused before it reached a provider
 * counts under provider "-".
 */
export function analyticsObserver(gw: Gateway, store: AnalyticsStore): CallObserver {
  const rows = new Coalescer<AnalyticsRow>(
    (a, b) => {
      for (const f of SUMMED) a[f] += b[f];
      mergeHistogram(a.latency, b.latency);
      mergeHistogram(a.ttfb, b.ttfb);
      addGuardrailCounters(a, b);
      return a;
    },
    (row) => store.add(row),
    { behind: gw.behind, track: gw.runtime.defer },
  );
  // The batch's write is tracked as deferred work by the Coalescer: nothing to return.
  return (record) => {
    if (!record.principal) return; // refused before it was known who called (no or a bad credential)
    const hit = record.cache === "HIT";
    const tokens = tokensOf(hit ? undefined : record.usage);
    const row: AnalyticsRow = {
      hour: hourOf(record.startedAt),
      keyId: record.principal,
      provider: record.provider ?? "-",
      model: record.model ?? "-",
      requests: 1,
      errors4xx: record.status >= 400 && record.status < 500 ? 1 : 0,
      errors5xx: record.status >= 500 ? 1 : 0,
      cacheHits: hit ? 1 : 0,
      tokensIn: tokens.in,
      tokensOut: tokens.out,
      tokensCached: tokens.cachedRead,
      costMicros: record.costMicros ?? 0,
      latency: { [bucketOf(record.durationMs)]: 1 },
      ttfb: record.ttfbMs === undefined ? {} : { [bucketOf(record.ttfbMs)]: 1 },
    };
    const guardrails = guardrailCounters(record.guardrails);
    if (guardrails) row.guardrails = guardrails;
    void rows.add(`${row.hour}\u0000${row.keyId}\u0000${row.provider}\u0000${row.model}`, row);
  };
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
