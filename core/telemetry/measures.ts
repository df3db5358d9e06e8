import type { LogTokens } from "../store/types.js";
import type { CallRecord } from "../types.js";
import { tokensOf as usageTokens } from "../usage/tokens.js";

/** What every telemetry export reads off a finished call, computed one way for all of them. */

/**
 * Provider tokens the call spent, by how they are billed. `in` counts every prompt token (cache
 * reads and writes included, as OpenAI's prompt_tokens does); `reasoning` is part of `out`. A
 * response-cache HIT spent none: all zero, whatever usage the cached answer carried.
 */
export function tokensOf(record: CallRecord): LogTokens {
  return usageTokens(record.cache === "HIT" ? undefined : record.usage);
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
