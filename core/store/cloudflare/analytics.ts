import { analyticsDays, checkAnalyticsRow } from "../log-rules.js";
import type { AnalyticsRow, AnalyticsStore } from "../types.js";
import type { DurableObjectNamespaceLike } from "./bindings.js";
import { callObject as call } from "./call.js";
import { USAGE_SHARDS, usageShard } from "./counters.js";

/**
 * Hourly analytics counters in SQLite-backed StoreObjects (analytics-table.ts), sharded by key
 * id as usage is: a row is added in one call, a query of one key asks one object, and a query
 * of all keys asks every shard. Bad input is refused here by the rules every adapter shares
 * (log-rules.ts), before any call.
 */
export function durableObjectAnalytics(ns: DurableObjectNamespaceLike): AnalyticsStore {
  const shard = (i: number) => `analytics:${i}`;
  return {
    async add(row) {
      checkAnalyticsRow(row);
      await call(ns, shard(usageShard(row.keyId)), "analytics-add", { ...row, latency: row.latency ?? {}, ttfb: row.ttfb ?? {} });
    },
    async query(filter) {
      // The same checks and limits as every adapter; no day at all when `from` is after `to`.
      if (analyticsDays(filter).length === 0) return [];
      const shards = filter.keyId !== undefined ? [usageShard(filter.keyId)] : [...Array(USAGE_SHARDS).keys()];
      const parts = await Promise.all(shards.map((i) => call<{ rows: AnalyticsRow[] }>(ns, shard(i), "analytics-query", filter)));
      return parts.flatMap((p) => p.rows);
    },
  };
}
