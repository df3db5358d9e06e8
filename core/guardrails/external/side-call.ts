import { Cancel } from "../../cancel.js";
import { GatewayError } from "../../errors.js";
import type { Gateway } from "../../gateway.js";
import type { Target } from "../../lifecycle/route.js";
import type { CallContext } from "../../providers/types.js";
import { readJson } from "../../routes/chat-target.js";
import { attemptLoop, type Built } from "../../upstream/attempt-loop.js";
import type { ClientCredentials } from "../../upstream/credentials.js";
import { UpstreamHttpError } from "../../upstream/failure.js";
import { ExternalCheckError } from "./errors.js";
import type { RequestHeaders } from "../../http.js";

/** How long a check may take when its rule doesn't say (`timeoutMs`). */
export const DEFAULT_TIMEOUT_MS = 3000;

/** What a check borrows from the request it guards: the same credential chain, the same client. */
export interface SideCallContext {
  clientHeaders: RequestHeaders;
  client: ClientCredentials;
  /** Aborts when the client goes away. */
  cancel?: Cancel;
  /** Told each credential used, so its secret is scrubbed from what leaves. */
  onCredential?(ctx: CallContext): void;
}

/**
 * One non-streamed upstream call for a check, through the attempt loop: each target tried once,
 * the whole call (every target, and the answer read whole) bounded by `timeoutMs`. Any failure is
 * an ExternalCheckError for `check` (the check's kind) that says why without quoting the upstream.
 */
export async function sideCall(
  gw: Gateway,
  targets: Target[],
  ctx: SideCallContext,
  build: (c: CallContext) => Promise<Built>,
  timeoutMs: number,
  check: string,
): Promise<{ json: any; ctx: CallContext; state: unknown }> {
  if (ctx.cancel?.aborted) throw new ExternalCheckError(check, "the request was cancelled");
  const deadline = new Cancel();
  const leave = () => deadline.abort();
  const stopFollowing = ctx.cancel?.onAbort(leave);
  const clock = setTimeout(leave, timeoutMs);
  const once = { ...gw.config.retry, attempts: 1 };
  try {
    const answer = await attemptLoop(gw, {
      targets: targets.map((t) => ({ ...t, retry: once, timeoutMs })),
      stream: false,
      clientWantsUsage: false,
      clientHeaders: ctx.clientHeaders,
      client: ctx.client,
      cancel: deadline,
      retry: once,
      timeoutMs,
      build,
      onCredential: ctx.onCredential,
    });
    return { json: await readJson(answer), ctx: answer.ctx, state: answer.state };
  } catch (e) {
    throw new ExternalCheckError(check, reasonOf(e, ctx.cancel, deadline, timeoutMs));
  } finally {
    clearTimeout(clock);
    stopFollowing?.();
  }
}

/** Why the call failed, in the gateway's own words: an upstream's status, never its body. */
function reasonOf(e: unknown, client: Cancel | undefined, deadline: Cancel, timeoutMs: number): string {
  const timedOut = `timed out after ${timeoutMs} ms`;
  if (client?.aborted) return "the request was cancelled";
  if (deadline.aborted) return timedOut;
  if (e instanceof UpstreamHttpError) return `the provider answered ${e.upstream.status}`;
  if (!(e instanceof GatewayError)) return `unexpected ${(e as Error)?.name ?? "error"}`;
  switch (e.code) {
    case "upstream_timeout":
    case "upstream_idle_timeout":
      return timedOut;
    case "bad_upstream_response":
      return "the answer is not JSON";
    case "upstream_unreachable":
      return "the provider could not be reached";
    case "upstream_error":
      return "the connection failed before the answer was complete";
    case "circuit_open":
      return "the provider is resting after repeated failures (circuit breaker)";
    default:
      // The gateway's own refusal before any call (no credential, a bad setting): its message names no secret.
      return e.message.replace(/\.$/, "");
  }
}
