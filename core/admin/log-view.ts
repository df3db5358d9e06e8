import type { LogEntry, LogFilter } from "../store/types.js";
import { badRequest } from "../errors.js";

/** A log entry as the API returns it: times as ISO strings, cost in USD; bodies only when asked. */
export function logView(e: LogEntry, withBodies: boolean) {
  const view: Record<string, unknown> = {
    id: e.id,
    object: "log",
    createdAt: new Date(e.at).toISOString(),
    expiresAt: new Date(e.expiresAt).toISOString(),
    key: e.keyId ?? null,
    keyName: e.keyName ?? null,
    principal: e.principal,
    route: e.route,
    provider: e.provider ?? null,
    model: e.model ?? null,
    servedModel: e.servedModel ?? null,
    step: e.step ?? null,
    status: e.status,
    errorCode: e.errorCode ?? null,
    error: e.error ?? null,
    cache: e.cache ?? null,
    stream: e.stream,
    tokens: e.tokens,
    costUsd: e.costMicros / 1e6,
    priced: e.priced,
    ttfbMs: e.ttfbMs ?? null,
    durationMs: e.durationMs,
    retries: e.retries,
    metadata: e.metadata ?? {},
    guardrails: e.guardrails ?? [],
    feedback: e.feedback ?? null,
    score: e.score ?? null,
  };
  if (withBodies) {
    view.requestBody = e.requestBody ?? null;
    view.responseBody = e.responseBody ?? null;
    view.truncated = e.truncated === true;
  }
  return view;
}

/** The query's filters as the store takes them. */
export function logFilter(q: { key?: string; model?: string; provider?: string; status?: 2 | 3 | 4 | 5; cache?: "HIT" | "MISS" | "BYPASS"; metadata?: string; guardrail?: string; from?: number; to?: number }): LogFilter {
  if (q.from !== undefined && q.to !== undefined && q.from > q.to) throw badRequest("Query parameter 'from' is after 'to'.", "from", "invalid_value");
  const filter: LogFilter = {};
  if (q.key !== undefined) filter.keyId = q.key;
  if (q.model !== undefined) filter.model = q.model;
  if (q.provider !== undefined) filter.provider = q.provider;
  if (q.status !== undefined) filter.statusClass = q.status;
  if (q.cache !== undefined) filter.cache = q.cache;
  if (q.metadata !== undefined) {
    const colon = q.metadata.indexOf(":");
    filter.metadata = { name: q.metadata.slice(0, colon), value: q.metadata.slice(colon + 1) };
  }
  if (q.guardrail !== undefined) filter.guardrail = q.guardrail;
  if (q.from !== undefined) filter.from = q.from;
  if (q.to !== undefined) filter.to = q.to;
  return filter;
}
