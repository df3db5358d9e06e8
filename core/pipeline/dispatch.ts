import { GatewayError, badRequest, redact, upstreamError } from "../errors.js";
import type { RetryPolicy } from "../config.js";
import type { Gateway } from "../gateway.js";
import type { UpstreamRequest, UpstreamResponse } from "../http.js";
import type { CallContext, EndpointAdapter } from "../providers/types.js";
import { ClientGoneError, attemptTimer, noAnswerError, retryPause } from "./attempt.js";
import { credentialFor, type ClientCredentials } from "./credentials.js";
import type { Target } from "./route.js";

export type Endpoint = "chat" | "completions" | "embeddings";

export interface Call {
  endpoint: Endpoint;
  body: { model: string; [k: string]: unknown };
  stream: boolean;
  clientWantsUsage: boolean;
  clientHeaders: Headers;
  client: ClientCredentials;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  retry: RetryPolicy;
  timeoutMs: number;
}

export interface Answer {
  ctx: CallContext;
  res: UpstreamResponse;
  /** Which target answered (0 = the first). */
  step: number;
  /** Stops the attempt's timer: call once the body has been read, or when a stream starts. */
  settle(): void;
  /** Aborts the upstream request (the client left mid-stream). */
  abort(): void;
}

const RETRYABLE = (s: number) => s === 408 || s === 429 || s >= 500;

/**
 * Tries the targets in order (fallback), each up to `retry.attempts` times for failures worth
 * retrying; a gateway key that answers 401/403/429 sits out and the next key is tried at once.
 */
export async function dispatch(gw: Gateway, targets: Target[], call: Call): Promise<Answer> {
  let last: GatewayError | undefined;
  for (let step = 0; step < targets.length; step++) {
    const { route, model } = targets[step]!;
    const adapter = route.provider[call.endpoint] as EndpointAdapter<unknown> | undefined;
    if (!adapter) {
      last = badRequest(`Provider "${route.name}" does not serve ${endpointPath(call.endpoint)}.`, "model", "unsupported_endpoint");
      continue;
    }
    const base = {
      providerName: route.name,
      provider: route.provider,
      config: route.config,
      model,
      baseUrl: "",
      stream: call.stream,
      clientWantsUsage: call.clientWantsUsage,
      clientHeaders: call.clientHeaders,
      env: gw.runtime.env,
    };
    for (let attempt = 1; attempt <= call.retry.attempts; attempt++) {
      if (attempt > 1) await retryPause(call.retry, attempt - 1, call.signal);
      const tried = new Set<string>();
      let retry = false;
      for (;;) {
        let ctx: CallContext;
        let req: UpstreamRequest;
        try {
          base.baseUrl = gw.baseUrl(route);
          const credential = await credentialFor(route, call.client, base, tried);
          ctx = { ...base, credential };
          const built = await adapter.request(call.body, ctx);
          req = {
            url: base.baseUrl + built.path,
            method: built.method ?? "POST",
            headers: { "content-type": "application/json", accept: call.stream ? "text/event-stream" : "application/json", ...route.config.headers, ...built.headers },
            body: built.method === "GET" ? undefined : typeof built.body === "string" ? built.body : JSON.stringify(built.body),
          };
          req = await route.provider.authorize(req, ctx);
        } catch (e) {
          // The request can't be made for this provider (missing credential or setting, an unsupported feature).
          if (!(e instanceof GatewayError)) throw e;
          last = e;
          break;
        }

        const timer = attemptTimer(call.signal, call.timeoutMs);
        req.signal = timer.signal;

        let res: UpstreamResponse;
        try {
          res = await (route.provider.http ?? gw.runtime.http)(req);
        } catch (e) {
          timer.release();
          if (call.signal?.aborted) throw new ClientGoneError();
          last = noAnswerError(e, timer, route.name, call.timeoutMs);
          retry = true;
          break;
        }
        if (res.status < 300) {
          return { ctx, res, step, settle: timer.settle, abort: timer.abort };
        }

        const text = await res.text().catch(() => "");
        timer.release();
        last = upstreamFailure(res, text, ctx);
        const key = ctx.credential.kind === "key" && ctx.credential.source === "config" ? ctx.credential.value : undefined;
        if (key && (res.status === 401 || res.status === 403 || res.status === 429)) {
          route.pool.cool(key, retryAfterMs(res) ?? gw.config.keyCooldownMs);
          tried.add(key);
          if (route.pool.size > tried.size) continue;
        }
        retry = RETRYABLE(res.status);
        break;
      }
      if (!retry) break;
    }
  }
  throw last ?? badRequest("No provider could take this request.", "model");
}

/** Defined in attempt.ts; app.ts takes it from here. */
export { ClientGoneError };

/** The upstream's error in OpenAI's shape. A key the gateway owns is its problem, not the caller's: 502. */
function upstreamFailure(res: UpstreamResponse, text: string, ctx: CallContext): GatewayError {
  let message: string | undefined;
  try {
    const json = JSON.parse(text);
    message = ctx.provider.errorMessage?.(json) ?? json?.error?.message ?? json?.message ?? (typeof json?.error === "string" ? json.error : undefined);
  } catch {
    message = text.slice(0, 300) || undefined;
  }
  const secrets = ctx.credential.kind === "key" ? [ctx.credential.value] : ctx.credential.kind === "aws" ? [ctx.credential.secretAccessKey, ctx.credential.accessKeyId] : [];
  const detail = redact(message ?? `HTTP ${res.status}`, secrets);
  const prefix = `Provider "${ctx.providerName}" answered ${res.status}: `;
  const s = res.status;
  if ((s === 401 || s === 403) && ctx.credential.source !== "client") {
    return upstreamError(502, `${prefix}${detail} (the gateway's credential for this provider was rejected)`, "upstream_auth_failed");
  }
  if (s === 429) {
    const retryAfter = Math.ceil((retryAfterMs(res) ?? 1000) / 1000);
    return new GatewayError(429, prefix + detail, "rate_limit_error", "upstream_rate_limited", null, { "retry-after": String(retryAfter) });
  }
  if (s >= 400 && s < 500) return new GatewayError(s, prefix + detail, s === 401 ? "authentication_error" : s === 403 ? "permission_error" : "invalid_request_error", "upstream_error");
  return upstreamError(s === 504 ? 504 : 502, prefix + detail);
}

function retryAfterMs(res: UpstreamResponse): number | undefined {
  const v = res.headers["retry-after"];
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds)) return Math.min(seconds, 3600) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function endpointPath(e: Endpoint) {
  return e === "chat" ? "/v1/chat/completions" : `/v1/${e}`;
}
