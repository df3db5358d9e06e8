import { GatewayError, badRequest } from "../errors.js";
import type { Gateway, ProviderRoute } from "../gateway.js";
import type { UpstreamRequest, RequestHeaders } from "../http.js";
import { canonicalJson } from "../cache/key.js";
import type { Target } from "../lifecycle/route.js";
import type { ApiRoute, RouteRequest } from "../lifecycle/stages.js";
import { nestsDeeperThan, MAX_JSON_DEPTH } from "../lifecycle/validate.js";
import { isJson, type NativeAnswerOptions, nativeError, relay } from "./native-answer.js";

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

const METHODS = new Set(["GET", "POST", "PUT", "DELETE"]);

/** The native APIs whose token usage the gateway reads from the answer; other POSTs are unmetered. */
export const METERED = /(?:\/chat\/completions|\/completions|\/embeddings|\/responses|\/messages|\/messages\/count_tokens|:generateContent|:streamGenerateContent|:embedContent|:batchEmbedContents|:countTokens|\/converse|\/converse-stream|\/invoke|\/invoke-with-response-stream)$/;
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
    async read(request, call) {
      const method = request.method.toUpperCase() as UpstreamRequest["method"];
      if (!METHODS.has(method)) {
        throw new GatewayError(405, `Pass-through routes accept ${[...METHODS].join(", ")}.`, "invalid_request_error", "method_not_allowed", null, { allow: [...METHODS].join(", ") });
      }
      const checked = clientPath(request.path, name);
      const body = method === "GET" || method === "DELETE" ? undefined : await request.bytes();
      const native = nativeCall(gw, route, method, checked, request.search, body, jsonBody(body, request.headers.get("content-type") ?? undefined), request.headers);
      call.record.provider = route.name;
      call.model = native.target.model;
      const req: PassthroughRequest = {
        targets: [native.target],
        passthrough: [route.name],
        unmetered: native.unmetered,
        repeatable: native.repeatable,
        cacheMaterial: native.cacheMaterial,
        stream: false,
        clientWantsUsage: native.clientWantsUsage,
        translate: native.translate,
        streamingMethod: native.streamingMethod,
        build: native.target.build!,
      };
      return req;
    },

    respond: (answer, call, req, gatewayHeaders) => relay(answer, call, req as PassthroughRequest, gatewayHeaders),

    upstreamError: nativeError,
  };
}

type PassthroughRequest = RouteRequest & NativeAnswerOptions;

/** One native call to a provider, ready for the attempt loop: what pass-through and the universal endpoint share. */
export interface NativeCall extends NativeAnswerOptions {
  target: Target;
  unmetered?: string;
  repeatable: boolean;
  cacheMaterial?: () => string;
  clientWantsUsage: boolean;
}

/**
 * A native call to `route` at the client's (checked) path. An OpenAI-shaped stream whose client
 * did not ask for the usage chunk gets it asked for (so limits can count it); the answer drops it.
 */
export function nativeCall(gw: Gateway, route: ProviderRoute, method: UpstreamRequest["method"], checked: string, search: string, bytes: Uint8Array | undefined, json: any, clientHeaders: RequestHeaders): NativeCall {
  const path = route.provider.passthroughPath?.(checked, route.config, gw.runtime.env) ?? checked;
  const url = upstreamUrl(gw.baseUrl(route), path, search);
  const openAIStream = json?.stream === true && OPENAI_STREAMING.test(path);
  const clientWantsUsage = json?.stream_options?.include_usage === true;
  const translate = openAIStream && !clientWantsUsage && route.provider.streamUsage === true;
  const body = translate ? new TextEncoder().encode(JSON.stringify({ ...json, stream_options: { ...(json.stream_options ?? {}), include_usage: true } })) : bytes;
  const headers = forwardedHeaders(clientHeaders, route);
  const metered = METERED.test(path);
  return {
    target: {
      route,
      model: modelOf(path, json) ?? "",
      // authorize may change headers and URL (Bedrock signs and picks the region): each attempt gets a copy.
      build: async () => ({ req: { url, method, headers: { ...headers }, body } }),
    },
    unmetered: unmeteredReason(method, path, openAIStream && !clientWantsUsage && !translate, route.name),
    // Inference calls (and reads) are safe to repeat; another native call (creating a file, a batch) may not be.
    repeatable: method === "GET" || metered,
    // An inference call's answer depends on its path, query and body only: it may be cached.
    cacheMaterial: method === "POST" && metered ? () => `${path}${search}\n${json ? canonicalJson(json) : new TextDecoder().decode(bytes)}` : undefined,
    clientWantsUsage,
    translate,
    streamingMethod: /stream/i.test(new URL(url).pathname),
  };
}

/** Why a pass-through request's tokens can't be counted; undefined when they can (or it costs none). */
function unmeteredReason(method: string, path: string, unaskedStream: boolean, provider: string): string | undefined {
  if (method === "GET" || method === "DELETE") return undefined;
  if (!METERED.test(path)) return `${method} ${path} is not an API whose token usage the gateway reads`;
  if (unaskedStream) return `provider "${provider}" does not report usage in streams`;
  return undefined;
}

export function forwardedHeaders(client: RequestHeaders, route: ProviderRoute): Record<string, string> {
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
export function jsonBody(body: Uint8Array | undefined, contentType: string | undefined): any {
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
export function modelOf(path: string, json: any): string | undefined {
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
