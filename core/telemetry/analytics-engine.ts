import type { CallRecord } from "../types.js";
import { costUsdOf, retriesOf, statusClassOf, tokensOf } from "./measures.js";

/**
 * One finished call as a Workers Analytics Engine data point, for `dataset.writeDataPoint()`
 * (limits: one index of at most 96 bytes, 20 blobs of 16 KB together, 20 doubles).
 *
 * The columns, as SQL queries name them:
 *
 *   index1   the virtual key id, or the principal ("token:0", "own", "open"), or "none"
 *
 *   blob1    provider                   blob6    requested model (an alias, "provider/model" …)
 *   blob2    model that answered        blob7    error code ("rate_limited", "upstream_error" …)
 *   blob3    route ("chat", "messages", "responses", "passthrough" …)
 *   blob4    status class ("2xx", "4xx", "5xx")
 *   blob5    response cache ("HIT", "MISS", "BYPASS", "none")
 *   blob8    request id                 blob9    trace id
 *
 *   double1  requests (always 1)        double8  cost, US dollars (0 when unpriced: see double11)
 *   double2  HTTP status                double9  cache-write input tokens (of double5)
 *   double3  latency, ms                double10 reasoning tokens (of double6)
 *   double4  time to first byte, ms     double11 priced (1, or 0 when the model has no known price)
 *            (0 when no answer began)   double12 response-cache hit (1 or 0)
 *   double5  input tokens (all)         double13 retries (upstream attempts after the first)
 *   double6  output tokens
 *   double7  cache-read input tokens (of double5)
 *
 * Analytics Engine samples at high volume: weight every sum by _sample_interval, e.g.
 *   SELECT blob1 AS provider, blob2 AS model,
 *          SUM(_sample_interval * double1) AS requests,
 *          SUM(_sample_interval * double8) AS cost_usd
 *   FROM strait WHERE timestamp > NOW() - INTERVAL '1' DAY GROUP BY provider, model
 *
 * New columns are only ever appended, so saved queries keep working.
 */

export interface AnalyticsEngineDataPoint {
  indexes: [string];
  blobs: string[];
  doubles: number[];
}

const MAX_INDEX_BYTES = 96;
/** Each blob is cut to this many bytes: 9 of them stay far under the 16 KB the point allows. */
const MAX_BLOB_BYTES = 1024;

export function analyticsEngineDataPoint(record: CallRecord): AnalyticsEngineDataPoint {
  const tokens = tokensOf(record);
  const cost = costUsdOf(record);
  const blobs = [
    record.provider || "none",
    record.model || "none",
    record.endpoint,
    statusClassOf(record.status),
    record.cache ?? "none",
    record.requestedModel ?? "",
    record.errorCode ?? "",
    record.requestId,
    record.trace?.traceId ?? "",
  ].map((blob) => cutToBytes(blob, MAX_BLOB_BYTES));
  const doubles = [
    1,
    record.status,
    record.durationMs,
    record.ttfbMs ?? 0,
    tokens.in,
    tokens.out,
    tokens.cachedRead,
    cost ?? 0,
    tokens.cachedWrite,
    tokens.reasoning,
    cost === undefined ? 0 : 1,
    record.cache === "HIT" ? 1 : 0,
    retriesOf(record),
  ].map((n) => (Number.isFinite(n) ? n : 0));
  return { indexes: [cutToBytes(record.principal || "none", MAX_INDEX_BYTES)], blobs, doubles };
}

const encoder = new TextEncoder();

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8, never splitting a character. */
function cutToBytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || encoder.encode(text).length <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = encoder.encode(ch).length;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}
