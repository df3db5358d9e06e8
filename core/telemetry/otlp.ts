import type { AttemptRecord, CallRecord } from "../types.js";
import { costUsdOf, retriesOf, spentTokens, tokensOf } from "./measures.js";
import { isSpanId, isTraceId } from "./trace-context.js";

/**
 * Finished calls as an OTLP/HTTP JSON ExportTraceServiceRequest
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding: lowerCamelCase keys, hex
 * ids, enums as integers, 64-bit integers as decimal strings). Each call is one SERVER span named
 * and attributed by the OpenTelemetry GenAI semantic conventions, with one CLIENT child span per
 * upstream attempt. No message content, header, key or free-text error ever goes into a span:
 * only ids, names, counts and low-cardinality codes.
 */

export type OtlpAnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  /** Absent = UNSET. */
  status?: { code: number; message?: string };
}

export interface OtlpTraceRequest {
  resourceSpans: Array<{
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version?: string }; spans: OtlpSpan[] }>;
  }>;
}

export interface OtlpResource {
  serviceName: string;
  serviceVersion?: string;
}

export const SPAN_KIND_SERVER = 2;
export const SPAN_KIND_CLIENT = 3;
export const STATUS_CODE_ERROR = 2;

/** gen_ai.operation.name by the gateway's endpoint; other endpoints (pass-through, universal, count_tokens) use their own name. */
const OPERATIONS: Record<string, string> = { chat: "chat", messages: "chat", responses: "chat", completions: "text_completion", embeddings: "embeddings" };

/** The route templates of the endpoints that have a fixed path (all POST). */
const ROUTES: Record<string, string> = {
  chat: "/v1/chat/completions",
  completions: "/v1/completions",
  embeddings: "/v1/embeddings",
  messages: "/v1/messages",
  count_tokens: "/v1/messages/count_tokens",
  responses: "/v1/responses",
  universal: "/",
};

/** The GenAI semantic conventions' well-known gen_ai.provider.name values, by Strait's provider ids and aliases. */
const PROVIDER_NAMES: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  "aws-bedrock": "aws.bedrock",
  bedrock: "aws.bedrock",
  "google-ai-studio": "gcp.gemini",
  gemini: "gcp.gemini",
  "azure-openai": "azure.ai.openai",
  azure: "azure.ai.openai",
  groq: "groq",
  deepseek: "deepseek",
  mistral: "mistral_ai",
  grok: "x_ai",
  xai: "x_ai",
  cohere: "cohere",
  perplexity: "perplexity",
};

/** gen_ai.provider.name for a provider id: the well-known value, else the id itself. */
export function genAiProviderName(provider: string): string {
  return Object.hasOwn(PROVIDER_NAMES, provider) ? PROVIDER_NAMES[provider]! : provider;
}

/** gen_ai.operation.name for an endpoint. */
export function genAiOperationName(endpoint: string): string {
  return Object.hasOwn(OPERATIONS, endpoint) ? OPERATIONS[endpoint]! : endpoint;
}

/**
 * The request body of one OTLP/HTTP JSON export. Records without a valid trace context are left
 * out (a span needs its ids); so are attempts whose span id is invalid.
 */
export function otlpTraces(records: CallRecord[], resource: OtlpResource): OtlpTraceRequest {
  return otlpTraceRequest(records.flatMap(callSpans), resource);
}

/** One call's spans: the request's, then one per upstream attempt. None without a valid trace context. */
export function callSpans(record: CallRecord): OtlpSpan[] {
  const trace = record.trace;
  if (!trace || !isTraceId(trace.traceId) || !isSpanId(trace.spanId)) return [];
  const spans = [requestSpan(record)];
  record.attempts?.forEach((attempt, i) => {
    if (isSpanId(attempt.spanId)) spans.push(attemptSpan(record, attempt, i));
  });
  return spans;
}

/** Spans wrapped for export: one resource, one instrumentation scope ("strait"). */
export function otlpTraceRequest(spans: OtlpSpan[], resource: OtlpResource): OtlpTraceRequest {
  const resourceAttributes = new Attributes().string("service.name", resource.serviceName).string("service.version", resource.serviceVersion).list;
  return { resourceSpans: [{ resource: { attributes: resourceAttributes }, scopeSpans: [{ scope: { name: "strait" }, spans }] }] };
}

/** The gateway's SERVER span for the whole request. */
function requestSpan(record: CallRecord): OtlpSpan {
  const trace = record.trace!;
  const operation = genAiOperationName(record.endpoint);
  const requestModel = record.requestedModel ?? record.model;
  const fixedRoute = Object.hasOwn(ROUTES, record.endpoint) ? ROUTES[record.endpoint] : undefined;
  const route = fixedRoute ?? (record.endpoint === "passthrough" && record.provider ? `/${record.provider}/*` : undefined);
  // HTTP semantic conventions: a SERVER span is an error on 5xx only; a 4xx is the client's.
  const failed = record.status >= 500;
  const attributes = new Attributes()
    .string("gen_ai.operation.name", operation)
    .string("gen_ai.provider.name", record.provider && genAiProviderName(record.provider))
    .string("gen_ai.request.model", requestModel)
    .string("gen_ai.response.model", record.model)
    .bool("gen_ai.request.stream", record.stream || undefined);
  if (spentTokens(record)) {
    const tokens = tokensOf(record);
    attributes
      .int("gen_ai.usage.input_tokens", tokens.in)
      .int("gen_ai.usage.output_tokens", tokens.out)
      .int("gen_ai.usage.cache_read.input_tokens", tokens.cachedRead || undefined)
      .int("gen_ai.usage.cache_creation.input_tokens", tokens.cachedWrite || undefined)
      .int("gen_ai.usage.reasoning.output_tokens", tokens.reasoning || undefined);
  }
  if (record.stream && record.ttfbMs !== undefined) attributes.double("gen_ai.response.time_to_first_chunk", record.ttfbMs / 1000);
  attributes
    .string("http.request.method", fixedRoute && "POST")
    .string("http.route", route)
    .int("http.response.status_code", record.status)
    .string("error.type", failed ? (record.errorCode ?? String(record.status)) : undefined)
    .string("strait.request_id", record.requestId)
    .string("strait.route", record.endpoint)
    .string("strait.cache", record.cache)
    .int("strait.step", record.step)
    .double("strait.cost_usd", costUsdOf(record))
    .string("strait.principal", record.principal)
    .string("strait.key_name", record.keyName)
    .int("strait.retries", record.attempts ? retriesOf(record) : undefined)
    .int("strait.ttfb_ms", record.ttfbMs)
    .string("strait.error_code", record.errorCode);
  const span: OtlpSpan = {
    traceId: trace.traceId,
    spanId: trace.spanId,
    name: requestModel ? `${operation} ${requestModel}` : operation,
    kind: SPAN_KIND_SERVER,
    startTimeUnixNano: unixNanos(record.startedAt),
    endTimeUnixNano: unixNanos(record.startedAt + record.durationMs),
    attributes: attributes.list,
  };
  if (trace.parentSpanId && isSpanId(trace.parentSpanId)) span.parentSpanId = trace.parentSpanId;
  if (trace.tracestate) span.traceState = trace.tracestate;
  if (failed) span.status = { code: STATUS_CODE_ERROR, message: record.errorCode ?? `HTTP ${record.status}` };
  return span;
}

/** One upstream attempt: a CLIENT span under the request's span. */
function attemptSpan(record: CallRecord, attempt: AttemptRecord, index: number): OtlpSpan {
  const operation = genAiOperationName(record.endpoint);
  // HTTP semantic conventions: a CLIENT span is an error on 4xx and 5xx, and when no answer came.
  const failed = attempt.status === undefined || attempt.status >= 400;
  const errorType = attempt.status === undefined ? "_OTHER" : String(attempt.status);
  const attributes = new Attributes()
    .string("gen_ai.operation.name", operation)
    .string("gen_ai.provider.name", genAiProviderName(attempt.provider))
    .string("gen_ai.request.model", attempt.model)
    .int("http.response.status_code", attempt.status)
    .string("error.type", failed ? errorType : undefined)
    .int("strait.attempt", index);
  const span: OtlpSpan = {
    traceId: record.trace!.traceId,
    spanId: attempt.spanId,
    parentSpanId: record.trace!.spanId,
    name: `${operation} ${attempt.model}`,
    kind: SPAN_KIND_CLIENT,
    startTimeUnixNano: unixNanos(attempt.startedAt),
    endTimeUnixNano: unixNanos(attempt.startedAt + attempt.durationMs),
    attributes: attributes.list,
  };
  if (failed) span.status = { code: STATUS_CODE_ERROR, message: attempt.status === undefined ? "no answer" : `HTTP ${attempt.status}` };
  return span;
}

/** Milliseconds since the epoch as nanoseconds, a decimal string (past 2^53: no Number can hold it). */
function unixNanos(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

/** An OTLP attribute list; an undefined value adds nothing. */
class Attributes {
  readonly list: OtlpKeyValue[] = [];

  string(key: string, value: string | undefined): this {
    if (value !== undefined && value !== "") this.list.push({ key, value: { stringValue: value } });
    return this;
  }

  int(key: string, value: number | undefined): this {
    if (value !== undefined && Number.isFinite(value)) this.list.push({ key, value: { intValue: String(Math.trunc(value)) } });
    return this;
  }

  double(key: string, value: number | undefined): this {
    if (value !== undefined && Number.isFinite(value)) this.list.push({ key, value: { doubleValue: value } });
    return this;
  }

  bool(key: string, value: boolean | undefined): this {
    if (value !== undefined) this.list.push({ key, value: { boolValue: value } });
    return this;
  }
}
