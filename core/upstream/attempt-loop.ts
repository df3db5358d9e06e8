import type { RetryPolicy } from "../config.js";
import { GatewayError, badRequest } from "../errors.js";
import type { Gateway } from "../gateway.js";
import type { UpstreamRequest, UpstreamResponse } from "../http.js";
import type { CallContext } from "../providers/types.js";
import type { Target } from "../lifecycle/route.js";
import { abortedError, attemptTimer, noAnswerError, retryPause, type AttemptTimer } from "./attempt.js";
import { UpstreamBody } from "./body.js";
import { credentialFor, type ClientCredentials } from "./credentials.js";
import { retryAfterMs, upstreamFailure, upstreamWaitMs } from "./failure.js";

/** One upstream request as a route builds it for a target, with what its answer's reader will need. */
export interface Built {
  req: UpstreamRequest;
  /** Per-call state from the provider's request mapper, handed to its response mapper. */
  state?: unknown;
}

/** Everything the attempt loop needs from a route, whatever its wire format. */
export interface AttemptPlan {
  targets: Target[];
  stream: boolean;
  clientWantsUsage: boolean;
  clientHeaders: Headers;
  client: ClientCredentials;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  retry: RetryPolicy;
  timeoutMs: number;
  /** The upstream request for one target, its credential chosen; a GatewayError skips the target. */
  build(ctx: CallContext): Promise<Built>;
  /** Told each credential used, so its secret is scrubbed from what leaves. */
  onCredential?(ctx: CallContext): void;
}

export interface Answer {
  ctx: CallContext;
  res: UpstreamResponse;
  state: unknown;
  /** Which target answered (0 = the first). */
  step: number;
  /** The body under the idle clock; read it (or iterate it) rather than `res`. */
  body: UpstreamBody;
  timer: AttemptTimer;
}

const RETRYABLE = (s: number) => s === 408 || s === 429 || s >= 500;

/**
 * The one attempt loop, for every route: tries the targets in order (fallback), each up to
 * `retry.attempts` times for failures worth retrying (408, 429, 5xx, no answer): the policy's
 * pause between, or the upstream's Retry-After when longer and at most `retry.maxWaitMs` (longer:
 * the next target); Retry-After also rests a gateway key; a gateway key answering 401/403/429 sits out and the provider's next
 * key is tried at once. Returns the first 2xx answer with its headers in; throws the last failure.
 */
export async function attemptLoop(gw: Gateway, plan: AttemptPlan): Promise<Answer> {
  let last: GatewayError | undefined;
  for (let step = 0; step < plan.targets.length; step++) {
    const { route, model } = plan.targets[step]!;
    const base = {
      providerName: route.name,
      provider: route.provider,
      config: route.config,
      model,
      baseUrl: "",
      stream: plan.stream,
      clientWantsUsage: plan.clientWantsUsage,
      clientHeaders: plan.clientHeaders,
      env: gw.runtime.env,
    };
    let asked = 0; // the upstream's Retry-After for the next try
    for (let attempt = 1; attempt <= plan.retry.attempts; attempt++) {
      if (attempt > 1) await retryPause(plan.retry, attempt - 1, plan.signal, asked);
      const tried = new Set<string>();
      let retry = false;
      for (;;) {
        let ctx: CallContext;
        let built: Built;
        try {
          base.baseUrl = gw.baseUrl(route);
          ctx = { ...base, credential: await credentialFor(route, plan.client, base, tried) };
          plan.onCredential?.(ctx);
          built = await plan.build(ctx);
          built.req = await route.provider.authorize(built.req, ctx);
        } catch (e) {
          // The request can't be made for this provider (missing credential or setting, an unsupported feature).
          if (!(e instanceof GatewayError)) throw e;
          last = e;
          break;
        }

        const timer = attemptTimer(plan.signal, plan.timeoutMs);
        built.req.signal = timer.signal;
        let res: UpstreamResponse;
        try {
          res = await (route.provider.http ?? gw.runtime.http)(built.req);
        } catch (e) {
          timer.release();
          if (plan.signal?.aborted) throw abortedError(plan.signal);
          last = noAnswerError(e, timer, route.name, plan.timeoutMs);
          retry = true;
          asked = 0;
          break;
        }
        if (res.status < 300) {
          const body = new UpstreamBody(res, timer, gw.config.streamIdleTimeoutMs, route.name, plan.signal);
          return { ctx, res, state: built.state, step, body, timer };
        }

        const text = await res.text().catch(() => "");
        timer.release();
        last = upstreamFailure(res, text, ctx, gw.secrets);
        const key = ctx.credential.kind === "key" && ctx.credential.source === "config" ? ctx.credential.value : undefined;
        if (key && (res.status === 401 || res.status === 403 || res.status === 429)) {
          route.pool.cool(key, retryAfterMs(res) ?? gw.config.keyCooldownMs);
          tried.add(key);
          if (route.pool.size > tried.size) continue;
        }
        retry = RETRYABLE(res.status);
        // A Retry-After longer than the gateway waits: this target is done; the next one is tried, or its answer goes back.
        asked = upstreamWaitMs(res) ?? 0;
        if (asked > plan.retry.maxWaitMs) retry = false;
        break;
      }
      if (!retry) break;
    }
  }
  throw last ?? badRequest("No provider could take this request.", "model");
}
