import type { ApiRequest } from "./api-request.js";
import { type ApiAnswer, asResponse } from "../response-parts.js";
import { GatewayError } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { type Answer, type Built, attemptLoop } from "../upstream/attempt-loop.js";
import type { CallContext } from "../providers/types.js";
import { credentialSecrets, UpstreamHttpError } from "../upstream/failure.js";
import { authenticate } from "./auth.js";
import { Call } from "./call.js";
import { lookupCache, replay, storeWhenComplete } from "./cache.js";
import { checkLimits, type LimitsRequest } from "./limits.js";
import { requestTimeout, retryPolicy } from "./options.js";
import { BodyCapture } from "./capture.js";
import { logOptions } from "./log-options.js";
import { parseCustomCost } from "../pricing/custom-cost.js";
import { newTraceContext, parseTraceparent } from "../telemetry/trace-context.js";
import type { TraceContext } from "../types.js";
import { CallGuard } from "../guardrails/call-guard.js";
import { guardPrompt, type GuardedPrompt } from "../guardrails/prompt.js";
import type { RequestHeaders } from "../http.js";

/**
 * The request lifecycle every API route shares, in the order it runs, on a request read as plain
 * values (api-request.ts). Before it, on every API path: CORS, the body size limit (as middleware
 * in app.ts; on Node's direct path in functions/node/direct-api.ts). Then, per request:
 *
 *   1. call record   opened here; finished exactly once (lifecycle/call.ts)
 *   2. auth          who is calling: gateway token, virtual key, or open (lifecycle/auth.ts)
 *   3. read          the route parses its own wire format: model, targets, stream (routes/*)
 *   4. limits        allowed models, rpm / tpm / budget / in flight, per-provider limits (lifecycle/limits.ts)
 *   5. guardrails    the prompt checked, redacted or refused before anything leaves (guardrails/prompt.ts)
 *   6. cache         a stored answer replayed, or the answer recorded to be stored (lifecycle/cache.ts)
 *   7. attempts      credentials, provider auth, timers, retries, fallback, breakers (upstream/attempt-loop.ts)
 *   8. answer        the route's response: JSON read whole, or a stream passed on as it arrives (routes/*),
 *                    the answer's guardrails on the way (guardrails/answer.ts, chunk-guard.ts, event-guard.ts)
 *   9. after         usage, spend, token counters and the log, as deferred work when the call finishes (usage/observer.ts)
 */

/** What a route learned from its request (step 3). */
export interface RouteRequest extends LimitsRequest {
  stream: boolean;
  /** The client asked for the usage chunk of a stream itself. */
  clientWantsUsage: boolean;
  /** False for a call that may not be safe to repeat: it is retried only when the client asks (cf-aig-max-attempts). */
  repeatable?: boolean;
  /** The upstream request for one target, built once its credential is chosen; a GatewayError skips the target. */
  build(ctx: CallContext): Built | Promise<Built>;
  /** What identifies this request's answer besides route, targets and caller (its canonical body); absent = never cached. */
  cacheMaterial?(): string;
  /** The route answers this request itself, with no upstream call (count_tokens' estimate), with `headers` among its own. */
  answer?(headers: Record<string, string>): Response | Promise<Response>;
  /** Where the cf-aig-* options are read (default: the request's headers); a universal-endpoint step's headers override them. */
  options?: RequestHeaders;
  /** The request as guardrails read it; absent: the route can't be inspected, and a guarded request is refused. */
  prompt?: GuardedPrompt;
}

export interface ApiRoute {
  /** For the call record: "chat", "completions", "embeddings", "passthrough" … */
  endpoint: string;
  read(req: ApiRequest, call: Call): Promise<RouteRequest>;
  /**
   * The answer as the route's response, with the gateway's `headers` among its own (given in the
   * Response's init: setting them afterwards makes Node build a Headers object per answer). The
   * route may add its own to `headers` (this call's object). It finishes the call, or hands that
   * to the stream it returns.
   */
  respond(answer: Answer, call: Call, req: RouteRequest, headers: Record<string, string>): Promise<ApiAnswer>;
  /** An upstream's final non-2xx answer in the route's own shape; without it, the gateway's error. */
  upstreamError?(e: UpstreamHttpError, call: Call, headers: Record<string, string>): Response;
}

export async function runCall(gw: Gateway, request: ApiRequest, route: ApiRoute): Promise<ApiAnswer> {
  const call = new Call(gw, request.requestId, route.endpoint, request.startedAt);
  const record = call.record;
  const headers = request.headers;
  let capture: BodyCapture | undefined;
  try {
    // Auth, limits and the cache answer at once when no store read is needed: no await, no promise.
    const auth = authenticate(gw, headers);
    call.auth = auth instanceof Promise ? await auth : auth;
    record.principal = call.auth.principal.id;
    const key = call.auth.key;
    if (key) record.keyName = key.name;
    const log = logOptions(gw.config, key, headers, gw.logs !== undefined);
    record.logged = log.logged;
    if (log.metadata) record.metadata = log.metadata;
    const customCost = headers.get("cf-aig-custom-cost");
    if (customCost !== null) call.customCost = parseCustomCost(customCost);
    const trace = traceOf(gw, headers);
    if (trace) record.trace = trace.context;

    const req = await route.read(request, call);
    record.stream = req.stream;
    if (log.bodies) {
      capture = new BodyCapture(gw.config.logs.maxBodyBytes);
      capture.setRequest(await request.text()); // the route read it already: the text is kept
      call.bodies = capture.bodies;
    }

    const checked = checkLimits(gw, call, req);
    const limits = checked instanceof Promise ? await checked : checked;
    const answerHeaders = limits.headers;
    answerHeaders["x-request-id"] = record.requestId;
    if (request.cors) Object.assign(answerHeaders, request.cors);
    if (log.logged) answerHeaders["cf-aig-log-id"] = record.requestId;
    const options = req.options ?? headers;
    const guardSet = gw.guardrails.forCall(call.auth.key?.guardrails, aliasGuardrails(gw, req.model));
    if (guardSet) {
      call.guard = new CallGuard(guardSet, (record.guardrails = []), {
        clientHeaders: headers,
        client: call.auth.client,
        cancel: request.clientCancel(),
        onCredential: (ctx) => call.holdsSecret(...credentialSecrets(ctx)),
      });
      if (!req.prompt) throw uninspectable(guardSet.policies, route.endpoint);
      await guardPrompt(gw, call.guard, req.prompt);
      Object.assign(answerHeaders, call.guard.headers());
    }
    const looked = lookupCache(gw, call, req, limits.targets, options);
    const cache = looked instanceof Promise ? await looked : looked;
    if (cache) {
      record.cache = cache.status;
      answerHeaders["cf-aig-cache-status"] = cache.status;
      if (cache.hit) {
        call.answered();
        const res = replay(cache.hit, call, answerHeaders);
        return capture ? capture.answer(res, call) : res;
      }
    }

    if (req.answer) {
      const res = await req.answer(answerHeaders);
      call.answered();
      call.finish({ status: res.status });
      return capture ? capture.answer(res, call) : res;
    }

    let answer: Answer;
    try {
      answer = await attemptLoop(gw, {
        targets: limits.targets,
        stream: req.stream,
        clientWantsUsage: req.clientWantsUsage,
        clientHeaders: headers,
        client: call.auth.client,
        cancel: request.clientCancel(),
        retry: retryPolicy(gw.config, options, req.repeatable !== false),
        timeoutMs: requestTimeout(gw.config, options),
        build: req.build,
        onCredential: (ctx) => call.holdsSecret(...credentialSecrets(ctx)),
        attempts: (record.attempts = []),
        trace,
      });
    } catch (e) {
      if (!(e instanceof UpstreamHttpError) || !route.upstreamError) throw e;
      const res = route.upstreamError(e, call, answerHeaders);
      call.finish({ status: res.status, error: e.message, errorCode: e.code ?? e.type });
      capture?.settle();
      return res;
    }
    call.answered();
    record.provider = answer.ctx.providerName;
    call.model = answer.ctx.model || record.model;
    record.step = answer.step;

    // Set, not spread: spreading an object whose keys were added one by one takes V8's slow path (~10 µs for the rate headers).
    answerHeaders["cf-aig-step"] = String(answer.step);
    const res = await route.respond(answer, call, req, answerHeaders);
    // The cache and the body capture read the answer through a Response; without them a streamed one stays its parts.
    if (cache?.status !== "MISS" && !capture) return res;
    const wrapped = cache?.status === "MISS" ? storeWhenComplete(gw, call, cache, asResponse(res)) : asResponse(res);
    return capture ? capture.answer(wrapped, call) : wrapped;
  } catch (e) {
    call.fail(e);
    capture?.settle();
    if (!(e instanceof GatewayError)) throw e;
    const scrubbed = call.scrubbed(e);
    if (!record.logged) throw scrubbed;
    throw new GatewayError(scrubbed.status, scrubbed.message, scrubbed.type, scrubbed.code, scrubbed.param, { ...scrubbed.headers, "cf-aig-log-id": record.requestId });
  }
}

/** The policies a model alias adds. */
function aliasGuardrails(gw: Gateway, model: string | undefined): string[] | undefined {
  return model !== undefined && Object.hasOwn(gw.config.models, model) ? gw.config.models[model]!.guardrails : undefined;
}

/** Guardrails apply, but the route's body is the provider's own format: refused rather than let through unchecked. */
function uninspectable(policies: string[], endpoint: string): GatewayError {
  return new GatewayError(
    403,
    `Guardrail policies (${policies.join(", ")}) apply to this request, but ${endpoint} requests are in the provider's own format and can't be checked. ` +
      "Send it to /v1/chat/completions, /v1/messages or /v1/responses instead.",
    "invalid_request_error",
    "guardrail_unsupported",
  );
}

/**
 * This request's trace: the client's traceparent continued, or a new trace when spans are
 * exported. Undefined when there is neither (nothing to propagate, nothing to export).
 */
function traceOf(gw: Gateway, headers: RequestHeaders): { context: TraceContext; exported: boolean } | undefined {
  const parent = parseTraceparent(headers.get("traceparent"), headers.get("tracestate"));
  const exported = gw.config.telemetry.otlp !== undefined;
  if (!parent && !exported) return undefined;
  return { context: newTraceContext(parent), exported };
}
