import type { CallRecord } from "../types.js";
import { costUsdOf, metricModelOf, tokensOf } from "./measures.js";

/**
 * One finished call as a CloudWatch Embedded Metric Format log line
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * Written to stdout on Lambda, CloudWatch Logs turns it into metrics with no API call.
 *
 * Metrics, each published for three dimension sets — [Provider, Model], [KeyId] and [] (the whole
 * gateway):
 *   Requests (Count, 1), Errors (Count, 1 on a 5xx), ClientErrors (Count, 1 on a 4xx),
 *   Latency (Milliseconds), TimeToFirstByte (Milliseconds, when an answer began),
 *   InputTokens, OutputTokens, CachedTokens (Count; provider tokens, 0 on a response-cache HIT;
 *   InputTokens includes CachedTokens), CostUSD (None; absent when the model has no known price),
 *   CacheHit (Count, 1 on a response-cache HIT).
 * Route, StatusCode, RequestId and TraceId ride along as plain members (searchable in Logs
 * Insights, not dimensions: they would make a metric per value).
 *
 * Every new dimension value is a new CloudWatch metric, billed: a 4xx call's Model is "none"
 * (see metricModelOf).
 */

export interface EmfOptions {
  namespace: string;
}

/** CloudWatch dimension values: 1..1024 characters of printable ASCII with one non-blank among them. */
const MAX_DIMENSION_VALUE = 1024;

const DIMENSION_SETS = [["Provider", "Model"], ["KeyId"], []];

export function emfLine(record: CallRecord, options: EmfOptions): string {
  const tokens = tokensOf(record);
  const values: Record<string, number | undefined> = {
    Requests: 1,
    Errors: record.status >= 500 ? 1 : 0,
    ClientErrors: record.status >= 400 && record.status < 500 ? 1 : 0,
    Latency: record.durationMs,
    TimeToFirstByte: record.ttfbMs,
    InputTokens: tokens.in,
    OutputTokens: tokens.out,
    CachedTokens: tokens.cachedRead,
    CostUSD: costUsdOf(record),
    CacheHit: record.cache === "HIT" ? 1 : 0,
  };
  const units: Record<string, string> = { Latency: "Milliseconds", TimeToFirstByte: "Milliseconds", CostUSD: "None" };
  // A metric named in the directive must be a number on the root: an unknown one is left out, not sent as 0.
  const present = Object.keys(values).filter((name) => typeof values[name] === "number" && Number.isFinite(values[name]));
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: Math.trunc(record.startedAt),
      CloudWatchMetrics: [
        {
          Namespace: options.namespace,
          Dimensions: DIMENSION_SETS,
          Metrics: present.map((name) => ({ Name: name, Unit: units[name] ?? "Count" })),
        },
      ],
    },
    Provider: dimensionValue(record.provider),
    Model: dimensionValue(metricModelOf(record)),
    KeyId: dimensionValue(record.principal),
    Route: record.endpoint,
    StatusCode: record.status,
    RequestId: record.requestId,
  };
  if (record.trace) document.TraceId = record.trace.traceId;
  for (const name of present) document[name] = values[name];
  return JSON.stringify(document);
}

/** A value CloudWatch accepts as a dimension: non-ASCII and control characters become "?", empty becomes "none". */
function dimensionValue(value: string | undefined): string {
  const ascii = (value ?? "").replace(/[^\x20-\x7e]/g, "?").slice(0, MAX_DIMENSION_VALUE);
  return ascii.trim() === "" ? "none" : ascii;
}
