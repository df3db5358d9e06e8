import type { LogTokens } from "../store/types.js";
import type { CallRecord } from "../types.js";

/** What every telemetry export reads off a finished call, computed one way for all of them. */

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * Provider tokens the call spent, by how they are billed. `in` counts every prompt token (cache
 * reads and writes included, as OpenAI's prompt_tokens does); `reasoning` is part of `out`. A
 * response-cache HIT spent none: all zero, whatever usage the cached answer carried.
 */
export function tokensOf(record: CallRecord): LogTokens {
  const usage = record.usage;
  if (!usage || record.cache === "HIT") return { in: 0, out: 0, cachedRead: 0, cachedWrite: 0, reasoning: 0 };
  const prompt = usage.prompt_tokens_details;
  return {
    in: count(usage.prompt_tokens),
    out: count(usage.completion_tokens),
    cachedRead: count(prompt?.cached_tokens),
    // Anthropic's usage normalises to cache_creation_tokens, Bedrock Converse's to cache_write_tokens.
    cachedWrite: count(prompt?.cache_creation_tokens) || count(prompt?.cache_write_tokens),
    reasoning: count(usage.completion_tokens_details?.reasoning_tokens),
  };
}

/** True when the call reached a provider and reported usage: a cache HIT and a failed call have none to report. */
export function spentTokens(record: CallRecord): boolean {
  return record.usage !== undefined && record.cache !== "HIT";
}

/** The call's cost in US dollars, or undefined when the model has no known price (0 would be a guess). */
export function costUsdOf(record: CallRecord): number | undefined {
  return record.priced && typeof record.costMicros === "number" && Number.isFinite(record.costMicros) ? record.costMicros / 1e6 : undefined;
}

/** "2xx", "4xx", "5xx" … from an HTTP status. */
export function statusClassOf(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other";
}

/** Upstream attempts after the first: retries and fallbacks. */
export function retriesOf(record: CallRecord): number {
  return Math.max(0, (record.attempts?.length ?? 0) - 1);
}

/**
 * The model to slice metrics by: the one that answered, or undefined for a 4xx, whose model is
 * the client's own text (an unknown or refused name). Metric systems bill or cap by series: a
 * client must not be able to mint series by sending made-up model names.
 */
export function metricModelOf(record: CallRecord): string | undefined {
  return record.status >= 400 && record.status < 500 ? undefined : record.model;
}
