import { Hono, type Context } from "hono";
import * as v from "valibot";
import { GatewayError, errorResponse, internalError, notFound, upstreamError } from "./errors.js";
import type { Gateway } from "./gateway.js";
import { adminApp } from "./admin/index.js";
import { visibleModels } from "./keys/models.js";
import { selfRotate } from "./keys/self-rotate.js";
import { authenticate, type AuthResult } from "./pipeline/auth.js";
import { bodyGuard } from "./pipeline/body-limit.js";
import { cors } from "./pipeline/cors.js";
import { admitTargets, limitsStage } from "./pipeline/limits.js";
import { registerUsage } from "./pipeline/usage.js";
import { ClientGoneError, dispatch, type Endpoint } from "./pipeline/dispatch.js";
import { finish } from "./pipeline/finish.js";
import { passthrough, passthroughPaths } from "./pipeline/passthrough.js";
import { requestTimeout, retryPolicy } from "./pipeline/options.js";
import { resolveTargets } from "./pipeline/route.js";
import { clientStream } from "./pipeline/stream.js";
import { ChatSchema, CompletionSchema, EmbeddingsSchema, parseJson, validate } from "./pipeline/validate.js";
import { streamOf } from "./http.js";
import type { ChatAdapter } from "./providers/types.js";
import type { CallRecord } from "./types.js";

export type AppEnv = { Variables: { auth: AuthResult; requestId: string; startedAt: number } };

const RATE_LIMIT_HEADERS = ["requests", "tokens"].flatMap((k) => [`x-ratelimit-limit-${k}`, `x-ratelimit-remaining-${k}`, `x-ratelimit-reset-${k}`]);

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

/** The whole gateway as one Hono app: Web-standard Request in, Response out. */
export function createApp(gw: Gateway): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { log } = gw.runtime;

  app.onError((err, c) => {
    if (err instanceof GatewayError) return errorResponse(err, { "x-request-id": c.get("requestId") ?? "" });
    log.error("unhandled error", { requestId: c.get("requestId"), error: String((err as Error)?.message ?? err) });
    return errorResponse(internalError(), { "x-request-id": c.get("requestId") ?? "" });
  });
  app.notFound((c) => errorResponse(notFound(`No route for ${c.req.method} ${new URL(c.req.url).pathname}.`, "unknown_url")));

  app.use("*", async (c, next) => {
    c.set("requestId", crypto.randomUUID());
    c.set("startedAt", Date.now());
    await next();
    c.res.headers.set("x-request-id", c.get("requestId"));
  });

  app.get("/health", (c) => c.json({ status: "ok" }));

  // The OpenAI API and the pass-through routes (/{provider}/…) share every guard stage.
  for (const path of ["/v1/*", ...passthroughPaths(gw)]) {
    app.use(path, cors(gw.config.cors.origins, ["x-request-id", "cf-aig-step", "retry-after", "retry-after-ms", ...RATE_LIMIT_HEADERS]));
    app.use(path, bodyGuard(gw.config.maxBodyBytes));
    app.use(path, async (c, next) => {
      c.set("auth", await authenticate(gw, c.req.raw.headers));
      await next();
    });
    app.use(path, limitsStage(gw));
  }
  registerUsage(gw);

  app.get("/v1/models", (c) => c.json({ object: "list", data: visibleModels(c.get("auth").key, listModels(gw)) }));
  app.post("/v1/chat/completions", (c) => proxy(gw, c, "chat", ChatSchema));
  app.post("/v1/completions", (c) => proxy(gw, c, "completions", CompletionSchema));
  app.post("/v1/embeddings", (c) => proxy(gw, c, "embeddings", EmbeddingsSchema));
  app.post("/v1/key/rotate", (c) => selfRotate(gw, c));
  // No CORS on /admin: only the admin token opens it, never a browser on another origin.
  app.route("/admin", adminApp(gw));
  // After the /v1 routes, so /v1/* always wins: only configured or built-in provider names match here.
  for (const path of passthroughPaths(gw)) app.all(path, (c) => passthrough(gw, c));

  return app;
}

async function proxy(gw: Gateway, c: Context<AppEnv>, endpoint: Endpoint, schema: v.GenericSchema): Promise<Response> {
  const body = parseJson(await c.req.text()) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } | null };
  validate(schema, body);
  const headers = c.req.raw.headers;
  const stream = endpoint !== "embeddings" && body.stream === true;
  const auth = c.get("auth");
  const record: CallRecord = {
    requestId: c.get("requestId"),
    endpoint,
    model: body.model,
    status: 200,
    stream,
    startedAt: c.get("startedAt"),
    durationMs: 0,
    principal: auth.principal.id,
  };
  const targets = await admitTargets(gw, auth.key, body.model, resolveTargets(gw, body.model, headers));

  let answer;
  try {
    answer = await dispatch(gw, targets, {
      endpoint,
      body,
      stream,
      clientWantsUsage: body.stream_options?.include_usage === true,
      clientHeaders: headers,
      client: auth.client,
      signal: c.req.raw.signal,
      retry: retryPolicy(gw.config, headers),
      timeoutMs: requestTimeout(gw.config, headers),
    });
  } catch (e) {
    if (e instanceof GatewayError) finish(gw, record, { status: e.status, error: e.message });
    throw e;
  }
  const { ctx, res, step } = answer;
  record.provider = ctx.providerName;
  record.model = ctx.model;
  record.step = step;
  const out = { "cf-aig-step": String(step) };

  if (stream && endpoint === "chat") {
    answer.settle();
    const body = clientStream(answer, ctx.provider.chat as ChatAdapter, (end) =>
      finish(gw, record, { usage: end.usage, error: end.error?.message, status: end.cancelled ? 499 : 200 }),
    );
    return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...out } });
  }
  if (stream) {
    // Legacy completions stream: OpenAI-compatible upstreams only, so the bytes go through as they are.
    answer.settle();
    finish(gw, record, {});
    return new Response(streamOf(res.chunks(), answer.abort), { status: 200, headers: { ...SSE_HEADERS, ...out } });
  }

  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    if (c.req.raw.signal.aborted) throw new ClientGoneError();
    const err = upstreamError(504, `Provider "${ctx.providerName}" did not finish its answer in time.`, "upstream_timeout");
    finish(gw, record, { status: err.status, error: err.message });
    throw err;
  } finally {
    answer.settle();
  }
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    const err = upstreamError(502, `Provider "${ctx.providerName}" sent a response that is not JSON.`, "bad_upstream_response");
    finish(gw, record, { status: err.status, error: err.message });
    throw err;
  }
  const adapter = ctx.provider[endpoint]!;
  if (adapter.response) {
    json = adapter.response(json, ctx);
    text = JSON.stringify(json);
  }
  finish(gw, record, { usage: json?.usage });
  return c.body(text, 200, { "content-type": "application/json", ...out });
}

function listModels(gw: Gateway) {
  const data: Array<{ id: string; object: "model"; created: number; owned_by: string }> = [];
  const add = (id: string, owner: string) => data.push({ id, object: "model", created: 0, owned_by: owner });
  for (const alias of Object.keys(gw.config.models)) add(alias, "strait");
  for (const name of gw.routeNames()) {
    const r = gw.route(name)!;
    if (!gw.isListed(r)) continue;
    const models = r.config.models ?? r.provider.models ?? [];
    for (const m of models) add(`${name}/${m}`, name);
    add(`${name}/*`, name);
  }
  return data;
}
