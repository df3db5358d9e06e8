import type { RetryPolicy } from "../config.js";
import { GatewayError, upstreamError } from "../errors.js";
import { scrub } from "../scrub.js";

/** The client went away before the answer was complete (recorded as 499). */
export class ClientGoneError extends GatewayError {
  constructor() {
    super(499, "The client closed the request.", "api_error", "client_closed_request");
  }
}

/**
 * Why the request's signal aborted: the reason a runtime gave, when it is a GatewayError (Lambda's
 * deadline: functions/lambda/handler.ts), or else the client went away.
 */
export function abortedError(signal: AbortSignal): GatewayError {
  return signal.reason instanceof GatewayError ? signal.reason : new ClientGoneError();
}

/** One upstream attempt's abort wiring: its signal aborts when the client leaves or when `timeoutMs` passes. */
export interface AttemptTimer {
  /** Goes on the upstream request. */
  readonly signal: AbortSignal;
  /** Stops the clock; the client leaving still aborts. */
  settle(): void;
  /** Stops the clock and stops listening to the client. */
  release(): void;
  /** release(), then aborts the upstream request. */
  abort(): void;
}

export function attemptTimer(client: AbortSignal | undefined, timeoutMs: number): AttemptTimer {
  const timer = new AbortController();
  const onClientGone = () => timer.abort();
  client?.addEventListener("abort", onClientGone, { once: true });
  const t = setTimeout(() => timer.abort(), timeoutMs);
  const settle = () => clearTimeout(t);
  const release = () => {
    settle();
    client?.removeEventListener("abort", onClientGone);
  };
  return { signal: timer.signal, settle, release, abort: () => (release(), timer.abort()) };
}

/** The error for an upstream request that failed before any answer (the client still there): 504 if the attempt's clock ran out, else 502. */
export function noAnswerError(e: unknown, timer: AttemptTimer, providerName: string, timeoutMs: number): GatewayError {
  return timer.signal.aborted
    ? upstreamError(504, `Provider "${providerName}" did not answer within ${timeoutMs} ms.`, "upstream_timeout")
    : upstreamError(502, `Could not reach provider "${providerName}": ${scrub(String((e as Error)?.message ?? e))}`, "upstream_unreachable");
}

/**
 * Waits before retry number `n` (1 = the first retry) as the policy says, at most 30 s, or longer
 * when the upstream asked for `atLeastMs` (its Retry-After); the client leaving rejects.
 */
export function retryPause(p: RetryPolicy, n: number, signal?: AbortSignal, atLeastMs = 0): Promise<void> {
  const policy = Math.min(p.backoff === "constant" ? p.delayMs : p.backoff === "linear" ? p.delayMs * n : p.delayMs * 2 ** (n - 1), 30_000);
  const ms = Math.max(policy, atLeastMs);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), reject(abortedError(signal))), { once: true });
  });
}
