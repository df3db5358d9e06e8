import { BUCKETS, mergeHistogram } from "../../analytics/histogram.js";
import type { AnalyticsRow } from "../types.js";
import type { DurableObjectStateLike } from "./bindings.js";
import { num, optStr, str } from "./input.js";

type Sql = DurableObjectStateLike["storage"]["sql"];

/** One row per hour, key, provider and model; the histograms are JSON objects of bucket → count. */
export const ANALYTICS_SCHEMA = `
CREATE TABLE IF NOT EXISTS analytics (hour TEXT NOT NULL, key_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors_4xx INTEGER NOT NULL, errors_5xx INTEGER NOT NULL, cache_hits INTEGER NOT NULL,
  tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL, tokens_cached INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
  latency TEXT NOT NULL, ttfb TEXT NOT NULL, PRIMARY KEY (hour, key_id, provider, model));
CREATE INDEX IF NOT EXISTS analytics_key_hour ON analytics (key_id, hour);
`;

/** "YYYY-MM-DDTHH": hours compare as text only in this one shape. */
const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}$/;
const BUCKET = /^(0|[1-9]\d*)$/;

interface Stored {
  hour: string;
  key_id: string;
  provider: string;
  model: string;
  requests: number;
  errors_4xx: number;
  errors_5xx: number;
  cache_hits: number;
  tokens_in: number;
  tokens_out: number;
  tokens_cached: number;
  cost_micros: number;
  latency: string;
  ttfb: string;
}

/**
 * Hourly analytics counters in one StoreObject (one shard; analytics.ts picks it by key id).
 * add() reads the row's histograms, merges them and writes the row in one UPSERT, with no await
 * in between: the object runs it alone, so two adds never lose a count.
 */
export class AnalyticsTable {
  constructor(private readonly sql: Sql) {}

  add(r: AnalyticsRow): void {
    const hour = checkHour(r?.hour, "hour");
    const keyId = str(r.keyId, "keyId");
    const provider = str(r.provider, "provider");
    const model = str(r.model, "model");
    const latency = histogram(r.latency, "latency");
    const ttfb = histogram(r.ttfb, "ttfb");
    const before = this.sql
      .exec<{ latency: string; ttfb: string }>("SELECT latency, ttfb FROM analytics WHERE hour = ? AND key_id = ? AND provider = ? AND model = ?", hour, keyId, provider, model)
      .toArray()[0];
    if (before) {
      mergeHistogram(latency, JSON.parse(before.latency));
      mergeHistogram(ttfb, JSON.parse(before.ttfb));
    }
    this.sql.exec(
      `INSERT INTO analytics (hour, key_id, provider, model, requests, errors_4xx, errors_5xx, cache_hits, tokens_in, tokens_out, tokens_cached, cost_micros, latency, ttfb)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (hour, key_id, provider, model) DO UPDATE SET requests = requests + excluded.requests,
         errors_4xx = errors_4xx + excluded.errors_4xx, errors_5xx = errors_5xx + excluded.errors_5xx, cache_hits = cache_hits + excluded.cache_hits,
         tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out, tokens_cached = tokens_cached + excluded.tokens_cached,
         cost_micros = cost_micros + excluded.cost_micros, latency = excluded.latency, ttfb = excluded.ttfb`,
      hour, keyId, provider, model,
      num(r.requests), num(r.errors4xx), num(r.errors5xx), num(r.cacheHits), num(r.tokensIn), num(r.tokensOut), num(r.tokensCached), num(r.costMicros),
      JSON.stringify(latency), JSON.stringify(ttfb),
    );
  }

  /** Rows with from <= hour <= to, of one key when given. */
  query(f: { from: string; to: string; keyId?: string }): AnalyticsRow[] {
    const params: unknown[] = [checkHour(f?.from, "from"), checkHour(f.to, "to")];
    const keyId = optStr(f.keyId, "keyId");
    if (keyId !== undefined) params.push(keyId);
    return this.sql
      .exec<Stored>(`SELECT * FROM analytics WHERE hour >= ? AND hour <= ?${keyId !== undefined ? " AND key_id = ?" : ""}`, ...params)
      .toArray()
      .map((s) => ({
        hour: s.hour,
        keyId: s.key_id,
        provider: s.provider,
        model: s.model,
        requests: s.requests,
        errors4xx: s.errors_4xx,
        errors5xx: s.errors_5xx,
        cacheHits: s.cache_hits,
        tokensIn: s.tokens_in,
        tokensOut: s.tokens_out,
        tokensCached: s.tokens_cached,
        costMicros: s.cost_micros,
        latency: JSON.parse(s.latency),
        ttfb: JSON.parse(s.ttfb),
      }));
  }
}

function checkHour(v: unknown, name: string): string {
  const hour = str(v, name);
  if (!HOUR.test(hour)) throw new Error(`${name} must be an hour like 2026-11-29T14, got "${hour.slice(0, 40)}"`);
  return hour;
}

/** A histogram as sent, checked: bucket indexes 0..BUCKETS-1 only (never "__proto__"), finite counts. */
function histogram(v: unknown, name: string): Record<string, number> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error(`${name} must be an object of bucket → count`);
  const out: Record<string, number> = Object.create(null);
  for (const [bucket, count] of Object.entries(v)) {
    if (!BUCKET.test(bucket) || Number(bucket) >= BUCKETS) throw new Error(`${name} has a bucket "${bucket.slice(0, 20)}" outside 0..${BUCKETS - 1}`);
    out[bucket] = num(count);
  }
  return out;
}
