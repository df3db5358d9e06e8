import type { Context } from "hono";
import type { RetryPolicy } from "../config.js";
import { GatewayError, badRequest, redact, upstreamError } from "../errors.js";
import type { Gateway, ProviderRoute } from "../gateway.js";
import type { UpstreamRequest, UpstreamResponse } from "../http.js";
import type { CallContext } from "../providers/types.js";
import type { CallRecord, Usage } from "../types.js";
import { credentialFor } from "./credentials.js";
import { ClientGoneError, attemptTimer, noAnswerError, retryPause, type AttemptTimer } from "./attempt.js";
import { finish } from "./finish.js";
import { requestTimeout, retryPolicy } from "./options.js";
import { EventStreamUsageScanner, SSEUsageScanner, usageOf } from "./passthrough-usage.js";

/**
 * Pass-through routes: `ANY /{provider}/{the provider's own path}`. The client speaks the
 * provider's native API; the gateway checks the caller (auth, body limit, CORS run before this),
 * adds the provider credential, sends the body bytes on untouched and streams the answer back
 * untouched, and records the call like any other (endpoint "passthrough").
 */

/** Top-level paths that belong to the gateway itself, never to a provider of the same name. */
const RESERVED = new Set(["v1", "admin", "health"]);

/** Client headers that travel upstream. Credentials never do: the gateway adds the provider's own. */
const REQUEST_HEADERS = new Set([
  "content-type",
  "accept",
  "anthropic-version",
  "anthropic-beta",
  "openai-beta",
  "x-goog-api-client",
  "x-ms-client-request-id",
]);
/** Bedrock InvokeModel options (guardrail, trace, performance config) travel as x-amzn-bedrock-* headers. */
const REQUEST_HEADER_PREFIXES = ["x-amzn-bedrock-"];

/**
 * Provider answer headers the client sees. Hop-by-hop, encoding and cookie headers never pass,
 * nor the account behind the gateway's key (openai-organization, anthropic-organization-id).
 */
const RESPONSE_HEADERS = new Set([
  "content-type",
  "content-disposition",
  "retry-after",
  "request-id",
  "x-amzn-requestid",
  "apim-request-id",
  "x-ms-region",
  "openai-processing-ms",
  "openai-version",
]);
const RESPONSE_HEADER_PREFIXES = ["x-amzn-bedrock-"];
/**
 * The provider's rate-limit headers describe the account of the key used. They reach the caller
 * only when that key is the caller's own: the gateway's key is shared, and on the gateway's key
 * x-ratelimit-* are the gateway's own limits for the caller (set by the limits stage).
 */
const OWN_KEY_HEADER_PREFIXES = ["x-ratelimit-", "anthropic-ratelimit-"];

const METHODS = new Set(["GET", "POST", "PUT", "DELETE"]);
const RETRYABLE = (s: number) => s === 408 || s === 429 || s >= 500;

/**
 * The route paths: one static `/{name}/*` per configured or built-in provider name and alias.
 * Static prefixes keep Hono on its RegExpRouter (a `/:provider/*` pattern beside `/v1/*` would
 * push every request, /v1 included, onto the slower TrieRouter), and other names never match.
 */
export function passthroughPaths(gw: Gateway): string[] {
  const names = new Set<string>();
  for (const name of gw.routeNames()) {
    names.add(name);
    for (const alias of gw.route(name)!.provider.aliases ?? []) if (gw.route(alias)) names.add(alias);
  }
  return [...names].filter((n) => !RESERVED.has(n)).map((n) => `/${n}/*`);
}

/**
 * The upstream URL for a client path, from the provider's base URL (code or config, never client
 * input). The answer always stays under the base URL's root — its path without a trailing
 * version segment — so a client can never leave the provider's API:
 *   1. the client's path already starts with the base path: it is the provider's own full path
 *      (/openai/v1/responses → https://api.openai.com/v1/responses);
 *   2. both start with an API version (v1, v1beta…): the client's version replaces the base's
 *      (/google-ai-studio/v1/models/… with a …/v1beta base → …/v1/models/…);
 *   3. otherwise the path is relative to the base URL, Cloudflare AI Gateway's convention
 *      (/openai/chat/completions → https://api.openai.com/v1/chat/completions).
 */
export function upstreamUrl(baseUrl: string, clientPath: string, search: string): string {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const version = /\/v\d+[a-z0-9]*$/i.exec(basePath);
  const root = version ? basePath.slice(0, version.index) : basePath;
  let path: string;
  if (under(clientPath, basePath)) path = clientPath;
  else if (version && /^\/v\d+[a-z0-9]*(\/|$)/i.test(clientPath)) path = root + clientPath;
  else path = basePath + clientPath;

  const url = new URL(base.origin + path + search);
  // Belt and braces: whatever the path held, the host and the root did not change.
  if (url.origin !== base.origin || !under(url.pathname, root)) throw badRequest("The pass-through path leaves the provider's API.", null, "invalid_path");
  return url.href;
}

const under = (path: string, prefix: string) => prefix === "" || path === prefix || path.startsWith(prefix + "/");

/**
 * The part of the URL after /{provider}, checked: no empty segments (`//`), no dot segments,
 * no encoded slashes, backslashes, dots or control characters, so nothing in it can be read as
 * another host or climb out of the provider's API, whatever decodes it later.
 */
export function clientPath(pathname: string, provider: string): string {
  const rest = pathname.slice(provider.length + 1);
  if (!rest || rest === "/") throw badRequest(`Add the provider's own API path after /${provider}, for example /${provider}/v1/….`, null, "invalid_path");
  const bad =
    !rest.startsWith("/") ||
    rest.includes("//") ||
    rest.includes("\\") ||
    /%(2f|5c|2e|00)/i.test(rest) ||
    /[\u0000-\u001f\u007f]/.test(rest) ||
    rest.split("/").some((s) => s === "." || s === "..");
  if (bad) throw badRequest("The pass-through path is not allowed: it holds an empty, dot or encoded-slash segment.", null, "invalid_path");
  return rest;
}

export async function passthrough(gw: Gateway, c: Context<any>): Promise<Response> {
  const url = new URL(c.req.url);
  const name = url.pathname.split("/", 2)[1]!;
  const route = gw.route(name)!;
  const method = c.req.method.toUpperCase() as UpstreamRequest["method"];
  const headers = c.req.raw.headers;
  const auth = c.get("auth");
  const record: CallRecord = {
    requestId: c.get("requestId"),
    endpoint: "passthrough",
    provider: route.name,
    status: 200,
    stream: false,
    startedAt: c.get("startedAt"),
    durationMs: 0,
    principal: auth.principal.id,
  };
  const fail = (e: unknown): never => {
    if (e instanceof GatewayError) finish(gw, record, { status: e.status, error: e.message });
    throw e;
  };

  let req: UpstreamRequest;
  let ctx: CallContext;
  let base: Omit<CallContext, "credential">;
  let body: Uint8Array | undefined;
  let retry: RetryPolicy;
  let timeoutMs: number;
  try {
    retry = retryPolicy(gw.config, headers);
    timeoutMs = requestTimeout(gw.config, headers);
    if (!METHODS.has(method)) {
      throw new GatewayError(405, `Pass-through routes accept ${[...METHODS].join(", ")}.`, "invalid_request_error", "method_not_allowed", null, { allow: [...METHODS].join(", ") });
    }
    const checked = clientPath(url.pathname, name);
    const path = route.provider.passthroughPath?.(checked, route.config, gw.runtime.env) ?? checked;
    body = method === "GET" || method === "DELETE" ? undefined : new Uint8Array(await c.req.arrayBuffer());
    record.model = modelOf(path, body, headers.get("content-type"));
    const baseUrl = gw.baseUrl(route);
    base = {
      providerName: route.name,
      provider: route.provider,
      config: route.config,
      model: record.model ?? "",
      baseUrl,
      stream: false,
      clientWantsUsage: false,
      clientHeaders: headers,
      env: gw.runtime.env,
    };
    req = { url: upstreamUrl(baseUrl, path, url.search), method, headers: forwardedHeaders(headers, route), body };
  } catch (e) {
    return fail(e);
  }

  const signal = c.req.raw.signal;
  const tried = new Set<string>();
  let attempt = 1;
  for (;;) {
    let authorized: UpstreamRequest;
    try {
      ctx = { ...base, credential: await credentialFor(route, auth.client, base) };
      // authorize may change headers and URL (Bedrock signs and picks the region): give it a copy.
      authorized = await route.provider.authorize({ ...req, headers: { ...req.headers } }, ctx);
    } catch (e) {
      return fail(e);
    }

    const timer = attemptTimer(signal, timeoutMs);
    const { release } = timer;
    authorized.signal = timer.signal;

    let res: UpstreamResponse;
    try {
      res = await (route.provider.http ?? gw.runtime.http)(authorized);
    } catch (e) {
      release();
      if (signal.aborted) {
        finish(gw, record, { status: 499, error: "client closed the request" });
        throw new ClientGoneError();
      }
      const err = noAnswerError(e, timer, route.name, timeoutMs);
      if (attempt < retry.attempts) {
        await retryPause(retry, attempt++, signal).catch(fail);
        continue;
      }
      return fail(err);
    }

    // A gateway key that is refused or exhausted sits out; the next one is tried at once.
    const key = ctx.credential.kind === "key" && ctx.credential.source === "config" ? ctx.credential.value : undefined;
    if (key && (res.status === 401 || res.status === 403 || res.status === 429)) {
      route.pool.cool(key, gw.config.keyCooldownMs);
      tried.add(key);
      if (route.pool.size > tried.size) {
        await drain(res);
        release();
        continue;
      }
    }
    if (RETRYABLE(res.status) && attempt < retry.attempts) {
      await drain(res);
      release();
      await retryPause(retry, attempt++, signal).catch(fail);
      continue;
    }
    return answer(gw, record, ctx, res, req.url, { client: signal, timer });
  }
}

/** One upstream attempt's controls: the client's signal and the attempt's timer (aborts the upstream request). */
interface Attempt {
  client: AbortSignal;
  timer: AttemptTimer;
}

/** The provider's answer, as it came: status, selected headers, body bytes (read whole for JSON, streamed otherwise). */
async function answer(gw: Gateway, record: CallRecord, ctx: CallContext, res: UpstreamResponse, target: string, attempt: Attempt): Promise<Response> {
  const { release, abort } = attempt.timer;
  const headers = new Headers();
  const ownKey = ctx.credential.source === "client";
  for (const [k, v] of Object.entries(res.headers)) {
    if (RESPONSE_HEADERS.has(k) || RESPONSE_HEADER_PREFIXES.some((p) => k.startsWith(p)) || (ownKey && OWN_KEY_HEADER_PREFIXES.some((p) => k.startsWith(p)))) headers.set(k, v);
  }
  // The gateway's own x-request-id names this call; the provider's travels beside it.
  if (res.headers["x-request-id"]) headers.set("x-upstream-request-id", res.headers["x-request-id"]);
  const status = res.status;
  const ok = status >= 200 && status < 300;
  const type = (res.headers["content-type"] ?? "").toLowerCase();
  const headerUsage = bedrockHeaderUsage(res.headers);
  const end = (usage: Usage | undefined, error?: string) => finish(gw, record, { status, usage: ok ? usage : undefined, error: error ?? (ok ? undefined : `provider answered ${status}`) });

  if (status === 204 || status === 205 || status === 304) {
    await drain(res);
    release();
    end(undefined);
    return new Response(null, { status, headers });
  }

  // JSON is read whole, except a streaming method's (Gemini's streamGenerateContent without alt=sse sends a JSON array bit by bit).
  const streamingMethod = /stream/i.test(new URL(target).pathname);
  if (isJson(type) && (!ok || !streamingMethod)) {
    // A whole JSON answer (or a JSON error): read it, note its usage, send the same bytes on.
    let bytes: Uint8Array;
    try {
      bytes = await res.bytes();
    } catch {
      release();
      if (attempt.client.aborted) {
        finish(gw, record, { status: 499, error: "client closed the request" });
        throw new ClientGoneError();
      }
      const err = attempt.timer.signal.aborted
        ? upstreamError(504, `Provider "${ctx.providerName}" did not finish its answer in time.`, "upstream_timeout")
        : upstreamError(502, `The connection to provider "${ctx.providerName}" failed before its answer was complete.`, "upstream_stream_error");
      finish(gw, record, { status: err.status, error: err.message });
      throw err;
    }
    release();
    let usage = headerUsage;
    if (ok && !usage) {
      try {
        usage = usageOf(JSON.parse(new TextDecoder().decode(bytes)));
      } catch {
        // Not JSON after all: no usage, the bytes still go on.
      }
    }
    end(usage);
    return new Response(bytes as BodyInit, { status, headers });
  }

  record.stream = true;
  release(); // the time-to-headers timer ends here; the client's abort still cancels below
  const scanner = !ok ? undefined : type.startsWith("text/event-stream") ? new SSEUsageScanner() : type.startsWith("application/vnd.amazon.eventstream") ? new EventStreamUsageScanner() : undefined;
  const upstream = res.chunks()[Symbol.asyncIterator]();
  let done = false;
  const close = (error?: string, cancelled = false) => {
    if (done) return;
    done = true;
    const usage = scanner?.end() ?? headerUsage;
    if (cancelled) finish(gw, record, { status: 499, usage, error: "client closed the stream" });
    else end(usage, error);
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done: finished, value } = await upstream.next();
          if (finished) {
            controller.close();
            close();
            return;
          }
          scanner?.push(value);
          controller.enqueue(value);
        } catch (e) {
          // The answer was already started: all that is left to do is cut it, as the upstream did.
          controller.error(e);
          abort();
          close(`upstream stream failed: ${redact(String((e as Error)?.message ?? e))}`);
        }
      },
      async cancel() {
        // Recorded first: aborting fails the read still pending in pull(), which must not count as an upstream failure.
        close(undefined, true);
        abort();
        await upstream.return?.();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status, headers });
}

function forwardedHeaders(client: Headers, route: ProviderRoute): Record<string, string> {
  const out: Record<string, string> = {};
  client.forEach((v, k) => {
    if (REQUEST_HEADERS.has(k) || REQUEST_HEADER_PREFIXES.some((p) => k.startsWith(p))) out[k] = v;
  });
  return { ...out, ...route.config.headers };
}

/** Best effort, for logs and usage: the model a native request names, in its path or its JSON body. */
function modelOf(path: string, body: Uint8Array | undefined, contentType: string | null): string | undefined {
  const inPath = /\/(?:models|model|deployments)\/([^/:]+(?::[^/:]+)?)/.exec(path);
  if (inPath) {
    let id = inPath[1]!;
    try {
      id = decodeURIComponent(id);
    } catch {
      // keep it encoded
    }
    // Gemini's "models/gemini-2.5-flash:generateContent": the method follows the last colon.
    return /\/models\//.test(path) ? id.replace(/:[A-Za-z]+$/, "") : id;
  }
  if (!body || body.length > 1_000_000 || !isJson((contentType ?? "").toLowerCase())) return undefined;
  try {
    const json = JSON.parse(new TextDecoder().decode(body));
    return typeof json?.model === "string" ? json.model : undefined;
  } catch {
    return undefined;
  }
}

/** Bedrock's InvokeModel reports its token counts in headers. */
function bedrockHeaderUsage(h: Record<string, string>): Usage | undefined {
  const input = h["x-amzn-bedrock-input-token-count"];
  const output = h["x-amzn-bedrock-output-token-count"];
  if (input === undefined && output === undefined) return undefined;
  const p = Number(input ?? 0) || 0;
  const o = Number(output ?? 0) || 0;
  return { prompt_tokens: p, completion_tokens: o, total_tokens: p + o };
}

const isJson = (type: string) => type.startsWith("application/json") || /^application\/[^;]*\+json/.test(type);

async function drain(res: UpstreamResponse) {
  await res.bytes().catch(() => undefined);
}
