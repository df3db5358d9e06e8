import { sha256, timingSafeEqual } from "../crypto.js";
import { GatewayError, badRequest } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { isVirtualKey } from "../keys/generate.js";
import { requestTimeout, retryPolicy } from "../lifecycle/options.js";
import type { Target } from "../lifecycle/route.js";
import type { ApiRoute, RouteRequest } from "../lifecycle/stages.js";
import { parseJson } from "../lifecycle/validate.js";
import { canonicalJson } from "../cache/key.js";
import { type NativeAnswerOptions, nativeError, relay } from "./native-answer.js";
import { clientPath, nativeCall, type NativeCall } from "./passthrough.js";
import type { RequestHeaders } from "../http.js";

/**
 * Cloudflare AI Gateway's universal endpoint: `POST /` with a JSON array of steps
 * `{ provider, endpoint, headers?, query, config? }`, tried in order, each a native call (as on
 * the pass-through route) to `provider` at its own path `endpoint` with `query` as the body. The
 * attempt loop moves to the next step on a failure worth it; `cf-aig-step` names the one that
 * answered, relayed as the provider gave it. A step's `headers` override the request's for that
 * step (cf-aig-* options and provider credentials included); its `config` overrides both.
 */

const MAX_STEPS = 10;
const STEP_FIELDS = new Set(["provider", "endpoint", "headers", "query", "config"]);
/** A step's config, as the cf-aig-* header each one stands for. */
const CONFIG_HEADERS: Record<string, string> = {
  requestTimeout: "cf-aig-request-timeout",
  maxAttempts: "cf-aig-max-attempts",
  retryDelay: "cf-aig-retry-delay",
  backoff: "cf-aig-backoff",
  cacheTtl: "cf-aig-cache-ttl",
  skipCache: "cf-aig-skip-cache",
  cacheKey: "cf-aig-cache-key",
};
/** Where a caller's own provider key may sit in a step's headers. */
const KEY_HEADERS = ["authorization", "x-api-key", "api-key", "x-goog-api-key"];

interface Step {
  provider: string;
  endpoint: string;
  headers: Record<string, string>;
  query: unknown;
  config: Record<string, unknown>;
}

type UniversalRequest = RouteRequest & { calls: NativeCall[] };

export function universalRoute(gw: Gateway): ApiRoute {
  return {
    endpoint: "universal",
    async read(request, call) {
      const steps = parseSteps(gw, parseJson(await request.text()));
      const calls: NativeCall[] = [];
      const targets: Target[] = [];
      let first: Headers | undefined;
      for (const [i, step] of steps.entries()) {
        const options = stepOptions(request.headers, step);
        first ??= options;
        const [path, search = ""] = splitQuery(step.endpoint);
        const route = gw.route(step.provider)!;
        const native = named(i, () =>
          nativeCall(gw, route, "POST", clientPath(`/${step.provider}/${path}`, step.provider), search ? `?${search}` : "", new TextEncoder().encode(JSON.stringify(step.query)), step.query, options),
        );
        const own = await ownProviderKey(gw, step.headers);
        targets.push({
          ...native.target,
          retry: named(i, () => retryPolicy(gw.config, options, native.repeatable)),
          timeoutMs: named(i, () => requestTimeout(gw.config, options)),
          clientHeaders: options,
          client: own ? { ...call.auth!.client, providerKey: own } : call.auth!.client,
        });
        calls.push(native);
      }
      call.model = targets[0]!.model;
      const unmetered = calls.findIndex((n) => n.unmetered);
      const req: UniversalRequest = {
        targets,
        calls,
        passthrough: [...new Set(targets.map((t) => t.route.name))],
        unmetered: unmetered >= 0 ? `step ${unmetered}: ${calls[unmetered]!.unmetered}` : undefined,
        stream: false,
        clientWantsUsage: false,
        // The whole array is the request: the same steps, the same answer.
        cacheMaterial: calls.every((n) => n.cacheMaterial) ? () => canonicalJson(steps.map((s) => [s.provider, s.endpoint, s.query])) : undefined,
        options: first,
        build: targets[0]!.build!,
      };
      return req;
    },

    respond(answer, call, req, gatewayHeaders) {
      const native: NativeAnswerOptions = (req as UniversalRequest).calls[answer.step]!;
      return relay(answer, call, native, gatewayHeaders);
    },

    upstreamError: nativeError,
  };
}

/** The body as steps, each checked; every refusal names the step's index. */
function parseSteps(gw: Gateway, body: unknown): Step[] {
  const list = Array.isArray(body) ? body : body && typeof body === "object" ? [body] : undefined;
  if (!list || list.length === 0) throw badRequest("The universal endpoint takes a JSON array of steps: [{ \"provider\", \"endpoint\", \"headers\", \"query\" }, …].", null, "invalid_steps");
  if (list.length > MAX_STEPS) throw badRequest(`At most ${MAX_STEPS} steps are tried; this request has ${list.length}.`, null, "invalid_steps");
  return list.map((raw, i) => {
    const fail = (why: string): never => {
      throw badRequest(`Step ${i}: ${why}`, `${i}`, "invalid_step");
    };
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) fail("must be an object with provider, endpoint and query.");
    const s = raw as Record<string, unknown>;
    for (const k of Object.keys(s)) if (!STEP_FIELDS.has(k)) fail(`unknown field "${k}"; a step has provider, endpoint, headers, query and config.`);
    if (typeof s.provider !== "string" || !s.provider) fail('needs "provider", the name of a provider (for example "openai").');
    const provider = (s.provider as string).toLowerCase();
    if (!gw.route(provider)) fail(`unknown provider "${s.provider}". Available providers: ${gw.routeNames().join(", ")}.`);
    if (typeof s.endpoint !== "string" || !s.endpoint.replace(/^\/+/, "")) fail('needs "endpoint", the provider\'s own API path (for example "chat/completions").');
    if (!s.query || typeof s.query !== "object" || Array.isArray(s.query)) fail('needs "query", the JSON body the provider\'s API takes.');
    const headers = s.headers ?? {};
    if (typeof headers !== "object" || Array.isArray(headers) || Object.values(headers as object).some((v) => typeof v !== "string")) fail('"headers" must be an object of strings.');
    const config = s.config ?? {};
    if (typeof config !== "object" || Array.isArray(config)) fail('"config" must be an object.');
    for (const k of Object.keys(config as object)) if (!Object.hasOwn(CONFIG_HEADERS, k)) fail(`unknown config "${k}"; a step's config takes ${Object.keys(CONFIG_HEADERS).join(", ")}.`);
    return { provider, endpoint: (s.endpoint as string).replace(/^\/+/, ""), headers: headers as Record<string, string>, query: s.query, config: config as Record<string, unknown> };
  });
}

/** The request's headers with the step's over them, then its config over both. */
function stepOptions(request: RequestHeaders, step: Step): Headers {
  const out = new Headers();
  request.forEach((v, k) => out.set(k, v));
  for (const [k, v] of Object.entries(step.headers)) out.set(k, v);
  for (const [k, v] of Object.entries(step.config)) out.set(CONFIG_HEADERS[k]!, String(v));
  return out;
}

/** Runs a check for step `i`: its refusal names the step. */
function named<T>(i: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof GatewayError)) throw e;
    throw new GatewayError(e.status, `Step ${i}: ${e.message}`, e.type, e.code, e.param ?? `${i}`, e.headers);
  }
}

function splitQuery(endpoint: string): [string, string?] {
  const q = endpoint.indexOf("?");
  return q < 0 ? [endpoint] : [endpoint.slice(0, q), endpoint.slice(q + 1)];
}

/**
 * A provider key in the step's own headers. Never a virtual key or a gateway token: those are the
 * gateway's credentials and never travel upstream.
 */
async function ownProviderKey(gw: Gateway, headers: Record<string, string>): Promise<string | undefined> {
  const lower = new Headers(headers);
  for (const name of KEY_HEADERS) {
    const v = bearer(lower.get(name));
    if (!v || isVirtualKey(v)) continue;
    const digest = await sha256(v);
    if ((await gw.tokenDigests()).some((t) => timingSafeEqual(t, digest))) continue;
    return v;
  }
  return undefined;
}

function bearer(v: string | null): string | undefined {
  if (!v) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(v.trim());
  return (m ? m[1]! : v).trim() || undefined;
}
