import type { Gateway } from "../gateway.js";
import type { CallRecord, Usage } from "../types.js";

/** Hands the finished call to the observers (usage, limits, logs) after the response. */
export function finish(gw: Gateway, record: CallRecord, end: { usage?: Usage; error?: string; status?: number }) {
  record.durationMs = Date.now() - record.startedAt;
  if (end.usage) record.usage = end.usage;
  if (end.error) record.error = end.error;
  if (end.status !== undefined) record.status = end.status;
  const { log, defer } = gw.runtime;
  log.info("request", { ...record });
  for (const observe of gw.observers) {
    defer(Promise.resolve().then(() => observe(record)).catch((e) => log.error("observer failed", { requestId: record.requestId, error: String(e?.message ?? e) })));
  }
}
