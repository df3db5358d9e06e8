import type { FinishedCall } from "../lifecycle/call.js";
import type { LogEntry } from "../store/types.js";
import type { CallRecord } from "../types.js";
import { tokensOf } from "../usage/tokens.js";

/**
 * A finished call as the request log keeps it. Every text in it went through the call's scrubber
 * (the error already did, in Call.finish); the bodies are scrubbed here, after the answer. It is
 * made at once unless the bodies were captured: then once the answer has ended.
 */
export function logEntry(record: CallRecord, call: FinishedCall, ttlMs: number): LogEntry | Promise<LogEntry> {
  const principal = record.principal ?? "open";
  const entry: LogEntry = {
    id: record.requestId,
    at: record.startedAt,
    expiresAt: record.startedAt + ttlMs,
    principal,
    route: record.endpoint,
    status: record.status,
    stream: record.stream,
    tokens: tokensOf(record.cache === "HIT" ? undefined : record.usage),
    costMicros: record.costMicros ?? 0,
    priced: record.priced ?? false,
    durationMs: record.durationMs,
    retries: Math.max(0, (record.attempts?.length ?? 0) - 1),
  };
  if (principal.startsWith("key_")) entry.keyId = principal;
  if (record.keyName !== undefined) entry.keyName = record.keyName;
  if (record.provider !== undefined) entry.provider = record.provider;
  if (record.requestedModel !== undefined) entry.model = record.requestedModel;
  if (record.model !== undefined) entry.servedModel = record.model;
  if (record.step !== undefined) entry.step = record.step;
  if (record.errorCode) entry.errorCode = record.errorCode;
  if (record.error) entry.error = record.error;
  if (record.cache) entry.cache = record.cache;
  if (record.ttfbMs !== undefined) entry.ttfbMs = record.ttfbMs;
  if (record.metadata) entry.metadata = { ...record.metadata };
  if (record.guardrails?.length) entry.guardrails = record.guardrails.map((h) => ({ ...h, ...(h.labels ? { labels: [...h.labels] } : {}) }));
  return call.bodies ? call.bodies.then((bodies) => withBodies(entry, bodies, call.scrub)) : entry;
}

function withBodies(entry: LogEntry, bodies: Awaited<NonNullable<FinishedCall["bodies"]>>, scrub: (text: string) => string): LogEntry {
  if (bodies.request !== undefined) entry.requestBody = scrub(bodies.request);
  if (bodies.response !== undefined) entry.responseBody = scrub(bodies.response);
  if (bodies.truncated) entry.truncated = true;
  return entry;
}
