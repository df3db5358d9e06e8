import { compareUsage } from "../rules.js";
import type { CounterResult, LimitStore, UsageRow, UsageStore } from "../types.js";
import type { DurableObjectNamespaceLike } from "./bindings.js";
import { callObject as call } from "./call.js";
import { shardOf } from "./shards.js";

/**
 * Usage totals are spread over this many objects by key id: each object takes one write per
 * request, and a query with no key id asks all of them. Changing the number moves where rows
 * live, so it is fixed.
 */
export const USAGE_SHARDS = 8;

/** Rate-limit counters: one Durable Object per counter key, so keys never wait on each other. */
export function durableObjectLimits(ns: DurableObjectNamespaceLike, now: () => number = Date.now): LimitStore {
  const name = (key: string) => `limit:${key}`;
  return {
    hit: (key, windowStart, windowMs, cost, limit) => call<CounterResult>(ns, name(key), "hit", { key, windowStart, windowMs, cost, limit, now: now() }),
    add: async (key, windowStart, windowMs, amount) => (await call<{ count: number }>(ns, name(key), "add", { key, windowStart, windowMs, amount, now: now() })).count,
    get: async (key, windowStart) => (await call<{ count: number }>(ns, name(key), "get", { key, windowStart, now: now() })).count,
  };
}

/** The usage shard of a key id (also the analytics shard: analytics.ts). */
export function usageShard(keyId: string): number {
  return shardOf(keyId, USAGE_SHARDS);
}

export function durableObjectUsage(ns: DurableObjectNamespaceLike): UsageStore {
  const shard = (i: number) => `usage:${i}`;
  return {
    async add(row) {
      await call(ns, shard(usageShard(row.keyId)), "usage-add", row);
    },
    async query(filter) {
      const shards = filter.keyId !== undefined ? [usageShard(filter.keyId)] : [...Array(USAGE_SHARDS).keys()];
      const parts = await Promise.all(shards.map((i) => call<{ rows: UsageRow[] }>(ns, shard(i), "usage-query", filter)));
      const rows = parts.flatMap((p) => p.rows);
      return rows.sort(compareUsage);
    },
  };
}
