import type { Config, RetryPolicy } from "../config.js";
import { badRequest } from "../errors.js";
import type { RequestHeaders } from "../http.js";

/**
 * Per-request overrides from Cloudflare AI Gateway's headers, bounded so a caller can't make the
 * gateway wait forever. A call that is not `repeatable` makes one attempt unless the client asks for more.
 */
export function retryPolicy(config: Config, h: RequestHeaders, repeatable = true): RetryPolicy {
  const attempts = intHeader(h, "cf-aig-max-attempts", 1, 5);
  const delayMs = intHeader(h, "cf-aig-retry-delay", 0, 5_000);
  const backoff = h.get("cf-aig-backoff");
  if (backoff !== null && backoff !== "constant" && backoff !== "linear" && backoff !== "exponential") {
    throw badRequest('cf-aig-backoff must be "constant", "linear" or "exponential".', "cf-aig-backoff");
  }
  return {
    attempts: attempts ?? (repeatable ? config.retry.attempts : 1),
    delayMs: delayMs ?? config.retry.delayMs,
    backoff: backoff ?? config.retry.backoff,
    maxWaitMs: config.retry.maxWaitMs,
  };
}

export function requestTimeout(config: Config, h: RequestHeaders): number {
  return intHeader(h, "cf-aig-request-timeout", 1, 900_000) ?? config.requestTimeoutMs;
}

function intHeader(h: RequestHeaders, name: string, min: number, max: number): number | undefined {
  const raw = h.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}.`, name);
  return n;
}
