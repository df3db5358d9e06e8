import type { Cancel } from "../cancel.js";
import type { RetryPolicy } from "../config.js";
import { GatewayError, badRequest } from "../errors.js";
import { isEventStream, loadEventStreamCodec } from "../formats/eventstream.js";
import type { Gateway } from "../gateway.js";
import type { UpstreamRequest, UpstreamResponse, RequestHeaders } from "../http.js";
import { newSpanId, traceparentOf } from "../telemetry/trace-context.js";
import type { AttemptRecord, TraceContext } from "../types.js";
import type { CallContext, Credential, Provider } from "../providers/types.js";
import type { Target } from "../lifecycle/route.js";
import { abortedError, attemptTimer, noAnswerError, retryPause, type AttemptTimer } from "./attempt.js";
import { UpstreamBody } from "./body.js";
import { credentialFor, type ClientCredentials } from "./credentials.js";
import { retryAfterMs, UpstreamHttpError, upstreamFailure, upstreamWaitMs } from "./failure.js";

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
  clientHeaders: RequestHeaders;
  client: ClientCredentials;
  /** Aborts when the client goes away. */
  cancel?: Cancel;
  retry: RetryPolicy;
  timeoutMs: number;
  /** The upstream request for one target, its credential chosen; a GatewayError skips the target. */
  build(ctx: CallContext): Built | Promise<Built>;
  /** Told each credential used, so its secret is scrubbed from what leaves. */
  onCredential?(ctx: CallContext): void;
  /** Where each upstream attempt is recorded (the call record's attempts). */
  attempts?: AttemptRecord[];
  /**
   * The request's trace: each attempt carries a traceparent naming its own span (when spans are
   * exported) or the client's own traceparent unchanged (when not).
   */
  trace?: { context: TraceContext; exported: boolean };
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

/** The breaker's name for a target. */
export const breakerName = (t: Target) => `${t.route.name}/${t.model}`;

/**
 * The one attempt loop, for every route: tries the targets in order (fallback), each up to
 * `retry.attempts` times for failures worth retrying (408, 429, 5xx, no answer): the policy's
 * pause between, or the upstream's Retry-After when longer and at most `retry.maxWaitMs` (longer:
 * the next target); Retry-After also rests a gateway key; a gateway key answering 401/403/429 sits out and the provider's next
 * key is tried at once. Returns the first 2xx answer with its headers in; throws the last failure.
 */
export async function attemptLoop(gw: Gateway, plan: AttemptPlan): Promise<Answer> {
  let last: GatewayError | undefined;
  const breakers = gw.breakers;
  // The first attempt's span id; each attempt made takes the next.
  let spanId = plan.trace ? (plan.trace.exported ? newSpanId() : plan.trace.context.spanId) : "";
  let skipped = 0;
  for (let step = 0; step < plan.targets.length; step++) {
    const target = plan.targets[step]!;
    const { route, model } = target;
    const name = breakerName(target);
    if (breakers.enabled && !breakers.allows(name)) {
      skipped++;
      continue;
    }
    const retry = target.retry ?? plan.retry;
    const timeoutMs = target.timeoutMs ?? plan.timeoutMs;
    const build = target.build ?? plan.build;
    const clientHeaders = target.clientHeaders ?? plan.clientHeaders;
    const base = {
      providerName: route.name,
      provider: route.provider,
      config: route.config,
      model,
      baseUrl: "",
      stream: plan.stream,
      clientWantsUsage: plan.clientWantsUsage,
      clientHeaders,
      env: gw.runtime.env,
    };
    let asked = 0; // the upstream's Retry-After for the next try
    let probing = true; // a half-open breaker's probe is this target's first attempt
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      if (attempt > 1) await retryPause(retry, attempt - 1, plan.cancel, asked).catch((e) => {
        if (probing) breakers.release(name);
        throw e;
      });
      let tried: Set<string> | undefined; // the config keys that refused this attempt, made when one does
      let again = false;
      for (;;) {
        let ctx: CallContext;
        let built: Built;
        try {
          base.baseUrl = gw.baseUrl(route);
          // Each step awaited only when it is asynchronous: a pooled key, a JSON body and a bearer header are not.
          const credential = credentialFor(route, target.client ?? plan.client, base, tried);
          ctx = withCredential(base, credential instanceof Promise ? await credential : credential);
          plan.onCredential?.(ctx);
          const building = build(ctx);
          built = building instanceof Promise ? await building : building;
          if (plan.trace) propagate(built.req, plan.trace, spanId);
          const authorized = route.provider.authorize(built.req, ctx);
          built.req = authorized instanceof Promise ? await authorized : authorized;
        } catch (e) {
          // The request can't be made for this provider (missing credential or setting, an unsupported feature).
          breakers.release(name);
          if (!(e instanceof GatewayError)) throw e;
          last = e;
          break;
        }

        const timer = attemptTimer(plan.cancel, timeoutMs);
        built.req.cancel = timer.cancel;
        const record: AttemptRecord = { provider: route.name, model, startedAt: Date.now(), durationMs: 0, spanId };
        plan.attempts?.push(record);
        spanId = plan.trace?.exported ? newSpanId() : spanId;
        let res: UpstreamResponse;
        try {
          res = await (route.provider.http ?? gw.runtime.http)(built.req);
          record.durationMs = Date.now() - record.startedAt;
          record.status = res.status;
        } catch (e) {
          record.durationMs = Date.now() - record.startedAt;
          record.error = String((e as Error)?.message ?? e);
          timer.release();
          if (plan.cancel?.aborted) {
            breakers.release(name);
            throw abortedError(plan.cancel);
          }
          last = noAnswerError(e, timer, route.name, timeoutMs);
          breakers.failure(name);
          again = true;
          asked = 0;
          break;
        }
        if (res.status < 300) {
          breakers.success(name);
          if (isEventStream(res.headers["content-type"]) || (ctx.stream && framesEventStreams(route.provider))) await loadEventStreamCodec();
          const body = new UpstreamBody(res, timer, gw.config.streamIdleTimeoutMs, route.name, plan.cancel);
          return { ctx, res, state: built.state, step, body, timer };
        }

        const text = await res.text().catch(() => "");
        timer.release();
        last = upstreamFailure(res, text, ctx, gw.secrets);
        record.error = last.message;
        const key = ctx.credential.kind === "key" && ctx.credential.source === "config" ? ctx.credential.value : undefined;
        if (key && (res.status === 401 || res.status === 403 || res.status === 429)) {
          route.pool.cool(key, retryAfterMs(res) ?? gw.config.keyCooldownMs);
          (tried ??= new Set()).add(key);
          if (route.pool.size > tried.size) continue;
        }
        again = RETRYABLE(res.status);
        // A 429 on the caller's own key is its own quota, not the target's health.
        if (res.status >= 500 || res.status === 408 || (res.status === 429 && ctx.credential.source !== "client")) breakers.failure(name);
        else breakers.release(name);
        // A Retry-After longer than the gateway waits: this target is done; the next one is tried, or its answer goes back.
        asked = upstreamWaitMs(res) ?? 0;
        if (asked > retry.maxWaitMs) again = false;
        break;
      }
      probing = false;
      if (!again || !breakers.allows(name)) break;
    }
    // An alias's onStatusCodes: other failures go back to the client rather than on to the next target.
    if (last instanceof UpstreamHttpError && target.fallbackOn && !target.fallbackOn.includes(last.upstream.status)) throw last;
  }
  if (!last && skipped) {
    const wait = Math.ceil(breakers.waitMs(plan.targets.map(breakerName)) / 1000);
    throw new GatewayError(
      503,
      `Every target for this request failed repeatedly and is resting (circuit breaker); the next try goes through in ${wait} s. GET /admin/health shows which.`,
      "api_error",
      "circuit_open",
      null,
      { "retry-after": String(Math.max(1, wait)) },
    );
  }
  throw last ?? badRequest("No provider could take this request.", "model");
}

/** The upstream request carries the trace on: the attempt's own span when spans are exported, else the client's traceparent as it came. */
function propagate(req: UpstreamRequest, trace: { context: TraceContext; exported: boolean }, spanId: string) {
  const t = trace.context;
  req.headers.traceparent = traceparentOf(t.traceId, trace.exported ? spanId : (t.parentSpanId ?? t.spanId), t.sampled);
  if (t.tracestate) req.headers.tracestate = t.tracestate;
}

/** A provider whose streamed answers come as AWS event-stream frames (Bedrock), whatever their content type says. */
const framesEventStreams = (p: Provider) => p.chat?.stream?.framing === "aws-eventstream" || p.messages?.framing === "aws-eventstream";

/**
 * One attempt's context: the target's, with the credential chosen for it. Written out rather than
 * spread: V8 copies this ten-field object by spread in about 2 µs, the literal in 0.1.
 */
function withCredential(base: Omit<CallContext, "credential">, credential: Credential): CallContext {
  return {
    providerName: base.providerName,
    provider: base.provider,
    config: base.config,
    model: base.model,
    baseUrl: base.baseUrl,
    credential,
    stream: base.stream,
    clientWantsUsage: base.clientWantsUsage,
    clientHeaders: base.clientHeaders,
    env: base.env,
  };
}
