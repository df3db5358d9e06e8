import { mergeHistogram } from "../../analytics/histogram.js";
import { checkAnalyticsRow, hourStart } from "../log-rules.js";
import type { AnalyticsRow } from "../types.js";
import type { DurableObjectStateLike } from "./bindings.js";
import { optStr } from "./input.js";

type Sql = DurableObjectStateLike["storage"]["sql"];

/**
 * One row per hour, key, provider and model; the histograms are JSON objects of bucket → count,
 * `guardrails` one of "<policy>:<action>" → count, null while the row has none.
 */
export const ANALYTICS_SCHEMA = `
CREATE TABLE IF NOT EXISTS analytics (hour TEXT NOT NULL, key_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
  requests INTEGER NOT NULL, errors_4xx INTEGER NOT NULL, errors_5xx INTEGER NOT NULL, cache_hits INTEGER NOT NULL,
  tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL, tokens_cached INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
  latency TEXT NOT NULL, ttfb TEXT NOT NULL, guardrails TEXT, PRIMARY KEY (hour, key_id, provider, model));
CREATE INDEX IF NOT EXISTS analytics_key_hour ON analytics (key_id, hour);
`;

/** Brings an analytics table an older version created up to date; safe to repeat (store-object.ts's migrate runs it on every start). */
export function migrateAnalytics(sql: Sql): void {
  const columns = new Set(sql.exec<{ name: string }>("PRAGMA table_info(analytics)").toArray().map((c) => c.name));
  if (!columns.has("guardrails")) sql.exec("ALTER TABLE analytics ADD COLUMN guardrails TEXT");
}

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
  guardrails: string | null;
}

/**
 * Hourly analytics counters in one StoreObject (one shard; analytics.ts picks it by key id).
 * add() reads the row's histograms, merges them and writes the row in one UPSERT, with no await
 * in between: the object runs it alone, so two adds never lose a count. What the Worker sends is
 * checked again here by the same rules (log-rules.ts): a refusal is a 400, never a guess. Hours
 * compare as text, which holds for the one shape hourStart lets through ("YYYY-MM-DDTHH").
 */
export class AnalyticsTable {
  constructor(private readonly sql: Sql) {}

  add(r: AnalyticsRow): void {
    checkAnalyticsRow(r);
    const { hour, keyId, provider, model } = r;
    // Copies, to merge into: checkAnalyticsRow let through only bucket names "0".."80" and guardrail counters "<policy>:<action>".
    const latency = { ...r.latency };
    const ttfb = { ...r.ttfb };
    const guardrails: Record<string, number> = { ...r.guardrails };
    const before = this.sql
      .exec<{ latency: string; ttfb: string; guardrails: string | null }>(
        "SELECT latency, ttfb, guardrails FROM analytics WHERE hour = ? AND key_id = ? AND provider = ? AND model = ?",
        hour, keyId, provider, model,
      )
      .toArray()[0];
    if (before) {
      mergeHistogram(latency, JSON.parse(before.latency));
      mergeHistogram(ttfb, JSON.parse(before.ttfb));
      if (before.guardrails !== null) mergeHistogram(guardrails, JSON.parse(before.guardrails));
    }
    this.sql.exec(
      `INSERT INTO analytics (hour, key_id, provider, model, requests, errors_4xx, errors_5xx, cache_hits, tokens_in, tokens_out, tokens_cached, cost_micros, latency, ttfb, guardrails)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (hour, key_id, provider, model) DO UPDATE SET requests = requests + excluded.requests,
         errors_4xx = errors_4xx + excluded.errors_4xx, errors_5xx = errors_5xx + excluded.errors_5xx, cache_hits = cache_hits + excluded.cache_hits,
         tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out, tokens_cached = tokens_cached + excluded.tokens_cached,
         cost_micros = cost_micros + excluded.cost_micros, latency = excluded.latency, ttfb = excluded.ttfb, guardrails = excluded.guardrails`,
      hour, keyId, provider, model,
      r.requests, r.errors4xx, r.errors5xx, r.cacheHits, r.tokensIn, r.tokensOut, r.tokensCached, r.costMicros,
      JSON.stringify(latency), JSON.stringify(ttfb), Object.keys(guardrails).length ? JSON.stringify(guardrails) : null,
    );
  }

  /** Rows with from <= hour <= to, of one key when given. */
  query(f: { from: string; to: string; keyId?: string }): AnalyticsRow[] {
    hourStart(f?.from, "from");
    hourStart(f.to, "to");
    const params: unknown[] = [f.from, f.to];
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
        ...(s.guardrails !== null ? { guardrails: JSON.parse(s.guardrails) } : {}),
      }));
  }
}
