import type { RetryPolicy } from "../config.js";
import { GatewayError, upstreamError } from "../errors.js";
import { Cancel } from "../cancel.js";
import { scrub } from "../scrub.js";

/** The client went away before the answer was complete (recorded as 499). */
export class ClientGoneError extends GatewayError {
  constructor() {
    super(499, "The client closed the request.", "api_error", "client_closed_request");
  }
}

/**
 * Why the request was cancelled: the reason a runtime gave, when it is a GatewayError (Lambda's
 * deadline: functions/lambda/handler.ts), or else the client went away.
 */
export function abortedError(client: Cancel): GatewayError {
  return client.reason instanceof GatewayError ? client.reason : new ClientGoneError();
}

/** One upstream attempt's abort wiring: it aborts when the client leaves or when `timeoutMs` passes. */
export interface AttemptTimer {
  /** Goes on the upstream request. */
  readonly cancel: Cancel;
  /** Stops the clock; the client leaving still aborts. */
  settle(): void;
  /** Stops the clock and stops listening to the client. */
  release(): void;
  /** release(), then aborts the upstream request. */
  abort(): void;
}

export function attemptTimer(client: Cancel | undefined, timeoutMs: number): AttemptTimer {
  const cancel = new Cancel();
  const stopFollowing = client?.onAbort(() => cancel.abort());
  const t = setTimeout(() => cancel.abort(), timeoutMs);
  const settle = () => clearTimeout(t);
  const release = () => {
    settle();
    stopFollowing?.();
  };
  return { cancel, settle, release, abort: () => (release(), cancel.abort()) };
}

/** The error for an upstream request that failed before any answer (the client still there): 504 if the attempt's clock ran out, else 502. */
export function noAnswerError(e: unknown, timer: AttemptTimer, providerName: string, timeoutMs: number): GatewayError {
  return timer.cancel.aborted
    ? upstreamError(504, `Provider "${providerName}" did not answer within ${timeoutMs} ms.`, "upstream_timeout")
    : upstreamError(502, `Could not reach provider "${providerName}": ${scrub(String((e as Error)?.message ?? e))}`, "upstream_unreachable");
}

/**
 * Waits before retry number `n` (1 = the first retry) as the policy says, at most 30 s, or longer
 * when the upstream asked for `atLeastMs` (its Retry-After); the client leaving rejects.
 */
export function retryPause(p: RetryPolicy, n: number, client?: Cancel, atLeastMs = 0): Promise<void> {
  const policy = Math.min(p.backoff === "constant" ? p.delayMs : p.backoff === "linear" ? p.delayMs * n : p.delayMs * 2 ** (n - 1), 30_000);
  const ms = Math.max(policy, atLeastMs);
  return new Promise((resolve, reject) => {
    if (client?.aborted) return reject(abortedError(client));
    const stop = client?.onAbort(() => (clearTimeout(t), reject(abortedError(client))));
    const t = setTimeout(() => (stop?.(), resolve()), ms);
  });
}
