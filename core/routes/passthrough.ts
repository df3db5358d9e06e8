import { GatewayError, badRequest } from "../errors.js";
import { openAIStreamTranslator } from "../formats/openai-stream.js";
import type { Gateway, ProviderRoute } from "../gateway.js";
import type { UpstreamRequest } from "../http.js";
import type { Call } from "../lifecycle/call.js";
import { clientStream } from "../lifecycle/chat-stream.js";
import type { ApiRoute, RouteRequest } from "../lifecycle/stages.js";
import { nestsDeeperThan, MAX_JSON_DEPTH } from "../lifecycle/validate.js";
import type { Answer } from "../upstream/attempt-loop.js";
import { invokeModelHeaderUsage, usageOf } from "../usage/normalize.js";
import { EventStreamUsageScanner, JsonArrayUsageScanner, SSEUsageScanner } from "../usage/scanners.js";

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

/** The native APIs whose token usage the gateway reads from the answer; other POSTs are unmetered. */
const METERED = /(?:\/chat\/completions|\/completions|\/embeddings|\/responses|\/messages|\/messages\/count_tokens|:generateContent|:streamGenerateContent|:embedContent|:batchEmbedContents|:countTokens|\/converse|\/converse-stream|\/invoke|\/invoke-with-response-stream)$/;
/** OpenAI-shaped streaming endpoints where the gateway can ask for the usage chunk itself. */
const OPENAI_STREAMING = /\/(?:chat\/)?completions$/;

/**
 * The route names: one static `/{name}/*` path per configured or built-in provider name and alias.
 * Static prefixes keep Hono on its RegExpRouter (a `/:provider/*` pattern beside `/v1/*` would
 * push every request, /v1 included, onto the slower TrieRouter), and other names never match.
 */
export function passthroughNames(gw: Gateway): string[] {
  const names = new Set<string>();
  for (const name of gw.routeNames()) {
    names.add(name);
    for (const alias of gw.route(name)!.provider.aliases ?? []) if (gw.route(alias)) names.add(alias);
  }
  return [...names].filter((n) => !RESERVED.has(n));
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

const under = (path: string, prefix: string) => prefix === "" || path === prefix || path.startsWith(`${prefix}/`);

/**
 * The part of the URL after /{provider}, checked: no empty segments (`//`), no dot segments,
 * no encoded slashes, backslashes, dots or control characters, no `;` path parameters (`..;/`),
 * so nothing in it can be read as another host or climb out of the provider's API, whatever
 * server or proxy decodes it later.
 */
export function clientPath(pathname: string, provider: string): string {
  const rest = pathname.slice(provider.length + 1);
  if (!rest || rest === "/") throw badRequest(`Add the provider's own API path after /${provider}, for example /${provider}/v1/….`, null, "invalid_path");
  const bad =
    !rest.startsWith("/") ||
    rest.includes("//") ||
    rest.includes("\\") ||
    rest.includes(";") ||
    /%(2f|5c|2e|00|3b)/i.test(rest) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
    /[\u0000-\u001f\u007f]/.test(rest) ||
    rest.split("/").some((s) => s === "." || s === "..");
  if (bad) throw badRequest("The pass-through path is not allowed: it holds an empty, dot, encoded-slash or ;-parameter segment.", null, "invalid_path");
  return rest;
}

/**
 * `ANY /{provider}/{the provider's own path}`. The client speaks the provider's native API; the
 * gateway checks the caller (auth, limits), adds the provider credential, sends the body bytes on
 * untouched and streams the answer back untouched, recording usage where the answer reports it.
 * One exception: an OpenAI-shaped stream whose client did not ask for the usage chunk gets it
 * asked for (so limits can count it), and that chunk is dropped again on the way back.
 */
export function passthroughRoute(gw: Gateway, name: string): ApiRoute {
  const route = gw.route(name)!;
  return {
    endpoint: "passthrough",
    async read(c, call) {
      const url = new URL(c.req.url);
      const method = c.req.method.toUpperCase() as UpstreamRequest["method"];
      if (!METHODS.has(method)) {
        throw new GatewayError(405, `Pass-through routes accept ${[...METHODS].join(", ")}.`, "invalid_request_error", "method_not_allowed", null, { allow: [...METHODS].join(", ") });
      }
      const checked = clientPath(url.pathname, name);
      const path = route.provider.passthroughPath?.(checked, route.config, gw.runtime.env) ?? checked;
      const target = upstreamUrl(gw.baseUrl(route), path, url.search);
      call.record.provider = route.name;
      let body: Uint8Array | undefined = method === "GET" || method === "DELETE" ? undefined : new Uint8Array(await c.req.arrayBuffer());
      const json = jsonBody(body, c.req.header("content-type"));
      const model = modelOf(path, json);
      call.model = model;

      // An OpenAI-shaped stream: ask for the usage chunk when the client didn't, so limits can count it.
      const openAIStream = json?.stream === true && OPENAI_STREAMING.test(path);
      const clientWantsUsage = json?.stream_options?.include_usage === true;
      let translate = false;
      if (openAIStream && !clientWantsUsage && route.provider.streamUsage) {
        body = new TextEncoder().encode(JSON.stringify({ ...json, stream_options: { ...(json.stream_options ?? {}), include_usage: true } }));
        translate = true;
      }
      const headers = forwardedHeaders(c.req.raw.headers, route);
      const req: PassthroughRequest = {
        targets: [{ route, model: model ?? "" }],
        passthrough: route.name,
        unmetered: unmeteredReason(method, path, openAIStream && !clientWantsUsage && !translate, route.name),
        // Inference calls (and reads) are safe to repeat; another native call (creating a file, a batch) may not be.
        repeatable: method === "GET" || METERED.test(path),
        stream: false,
        clientWantsUsage,
        translate,
        streamingMethod: /stream/i.test(new URL(target).pathname),
        // authorize may change headers and URL (Bedrock signs and picks the region): each attempt gets a copy.
        build: async () => ({ req: { url: target, method, headers: { ...headers }, body } }),
      };
      return req;
    },

    respond: (answer, call, req, gatewayHeaders) => relay(answer, call, req as PassthroughRequest, gatewayHeaders),

    upstreamError(e, call, gatewayHeaders) {
      const { status, headers, text, html, ownKey } = e.upstream;
      // An HTML page (a proxy's, a load balancer's) is never pasted: the gateway's own error names it.
      if (html || !text) return new Response(JSON.stringify(call.scrubbed(e)), { status, headers: { "content-type": "application/json", ...gatewayHeaders } });
      return new Response(text, { status, headers: answerHeaders(headers, ownKey, gatewayHeaders) });
    },
  };
}

interface PassthroughRequest extends RouteRequest {
  /** The answer goes through the OpenAI stream translator (to drop the usage chunk the gateway asked for). */
  translate: boolean;
  /** A streaming method whose answer may be JSON sent bit by bit (Gemini's streamGenerateContent without alt=sse). */
  streamingMethod: boolean;
}

/** Why a pass-through request's tokens can't be counted; undefined when they can (or it costs none). */
function unmeteredReason(method: string, path: string, unaskedStream: boolean, provider: string): string | undefined {
  if (method === "GET" || method === "DELETE") return undefined;
  if (!METERED.test(path)) return `${method} ${path} is not an API whose token usage the gateway reads`;
  if (unaskedStream) return `provider "${provider}" does not report usage in streams`;
  return undefined;
}

/** The provider's answer, as it came: status, selected headers, body bytes (read whole for JSON, streamed otherwise). */
async function relay(answer: Answer, call: Call, req: PassthroughRequest, gatewayHeaders: Record<string, string>): Promise<Response> {
  const { res, timer } = answer;
  const headers = answerHeaders(res.headers, answer.ctx.credential.source === "client", gatewayHeaders);
  const status = res.status;
  const type = (res.headers["content-type"] ?? "").toLowerCase();
  const headerUsage = invokeModelHeaderUsage(res.headers);

  if (status === 204 || status === 205 || status === 304) {
    await answer.body.return();
    timer.release();
    call.finish({ status });
    return new Response(null, { status, headers });
  }

  if (req.translate && type.startsWith("text/event-stream")) {
    call.record.stream = true;
    const body = clientStream(answer, { framing: "sse", translator: openAIStreamTranslator }, (t) => call.scrub(t), (end) =>
      call.finish({ status: end.cancelled ? 499 : status, usage: end.usage, error: end.error?.message }),
    );
    headers.set("content-type", "text/event-stream; charset=utf-8");
    return new Response(body, { status, headers });
  }

  // JSON is read whole, except a streaming method's (Gemini's streamGenerateContent without alt=sse sends a JSON array bit by bit).
  if (isJson(type) && !req.streamingMethod) {
    let bytes: Uint8Array;
    try {
      bytes = await answer.body.bytes();
    } finally {
      timer.release();
    }
    let usage = headerUsage;
    if (!usage) {
      try {
        usage = usageOf(JSON.parse(new TextDecoder().decode(bytes)));
      } catch {
        // Not JSON after all: no usage, the bytes still go on.
      }
    }
    call.finish({ status, usage });
    return new Response(bytes as BodyInit, { status, headers });
  }

  call.record.stream = true;
  timer.settle(); // the time-to-headers clock ends here; the idle clock and the client's abort still apply
  const scanner = type.startsWith("text/event-stream")
    ? new SSEUsageScanner()
    : type.startsWith("application/vnd.amazon.eventstream")
      ? new EventStreamUsageScanner()
      : isJson(type)
        ? new JsonArrayUsageScanner()
        : undefined;
  const upstream = answer.body;
  const end = (error?: string, cancelled = false) => {
    if (call.done) return;
    const usage = scanner?.end() ?? headerUsage;
    call.finish({ status: cancelled ? 499 : status, usage, error: cancelled ? "client closed the stream" : error });
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await upstream.next();
          if (done) {
            controller.close();
            end();
            return;
          }
          scanner?.push(value);
          controller.enqueue(value);
        } catch (e) {
          if (call.done) return;
          // The answer was already started in the provider's own format: all that is left is to cut it, as the upstream did.
          controller.error(e);
          timer.abort();
          end(`upstream stream failed: ${(e as Error)?.message ?? e}`);
        }
      },
      async cancel() {
        // Recorded first: aborting fails the read still pending in pull(), which must not count as an upstream failure.
        end(undefined, true);
        timer.abort();
        await upstream.return();
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

/**
 * A JSON request body, parsed once (for the model, the stream flag); undefined when it isn't JSON
 * or is over 1 MB. A body nested too deeply to walk safely is refused.
 */
function jsonBody(body: Uint8Array | undefined, contentType: string | undefined): any {
  if (!body || body.length > 1_000_000 || !isJson((contentType ?? "").toLowerCase())) return undefined;
  const text = new TextDecoder().decode(body);
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw badRequest(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels; flatten it.`, null, "invalid_json");
  try {
    const json = JSON.parse(text);
    return typeof json === "object" && json !== null && !Array.isArray(json) ? json : undefined;
  } catch {
    return undefined; // the provider will say what is wrong with it
  }
}

/** Best effort, for logs and usage: the model a native request names, in its path or its JSON body. */
function modelOf(path: string, json: any): string | undefined {
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
  return typeof json?.model === "string" ? json.model : undefined;
}

/** The provider's answer headers the client may see (see RESPONSE_HEADERS). */
function answerHeaders(upstream: Record<string, string>, ownKey: boolean, gatewayHeaders: Record<string, string>): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(upstream)) {
    if (RESPONSE_HEADERS.has(k) || RESPONSE_HEADER_PREFIXES.some((p) => k.startsWith(p)) || (ownKey && OWN_KEY_HEADER_PREFIXES.some((p) => k.startsWith(p)))) headers.set(k, v);
  }
  // The gateway's own x-request-id names this call; the provider's travels beside it.
  if (upstream["x-request-id"]) headers.set("x-upstream-request-id", upstream["x-request-id"]);
  // The gateway's own (request id, its x-ratelimit-* for the caller) win over the provider's.
  for (const name in gatewayHeaders) headers.set(name, gatewayHeaders[name]!);
  return headers;
}

const isJson = (type: string) => type.startsWith("application/json") || /^application\/[^;]*\+json/.test(type);
