import { Hono } from "hono";
import { adminApp, adminCheck } from "./admin/index.js";
import { uiRoutes } from "./admin/ui/serve.js";
import type { AppEnv } from "./app-env.js";
import { GatewayError, errorResponse, internalError, notFound } from "./errors.js";
import type { Gateway } from "./gateway.js";
import { visibleModels } from "./keys/models.js";
import { selfRotate } from "./keys/self-rotate.js";
import { authenticate } from "./lifecycle/auth.js";
import { bodyGuard } from "./lifecycle/body-limit.js";
import { cors } from "./lifecycle/cors.js";
import { runCall } from "./lifecycle/stages.js";
import { listModels } from "./routes/models.js";
import { openAIRoute } from "./routes/openai.js";
import { passthroughNames, passthroughRoute } from "./routes/passthrough.js";
import { universalRoute } from "./routes/universal.js";
import { countTokensRoute } from "./routes/count-tokens.js";
import { messagesRoute } from "./routes/messages.js";
import { responsesRoute } from "./routes/responses.js";
import { responsesStateApp } from "./routes/responses-state.js";
import { anthropicErrorResponse } from "./formats/anthropic/errors.js";
import { ulid } from "./ids.js";
import { ownLogsApp } from "./routes/own-logs.js";

const RATE_LIMIT_HEADERS = ["requests", "tokens"].flatMap((k) => [`x-ratelimit-limit-${k}`, `x-ratelimit-remaining-${k}`, `x-ratelimit-reset-${k}`]);
const EXPOSED_HEADERS = ["x-request-id", "cf-aig-log-id", "cf-aig-step", "cf-aig-cache-status", "x-strait-guardrails", "cf-aig-dlp", "retry-after", "retry-after-ms", ...RATE_LIMIT_HEADERS];

/**
 * The whole gateway as one Hono app: Web-standard Request in, Response out. This file only wires
 * routes; every API call runs the one lifecycle in lifecycle/stages.ts.
 */
export function createApp(gw: Gateway): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { log } = gw.runtime;

  app.onError((err, c) => {
    // Each API answers errors in its own shape: Anthropic's on /v1/messages, OpenAI's everywhere else.
    const render = c.req.path.startsWith("/v1/messages") ? anthropicErrorResponse : errorResponse;
    if (err instanceof GatewayError) return render(err, { "x-request-id": c.get("requestId") ?? "" });
    log.error("unhandled error", { requestId: c.get("requestId"), error: String((err as Error)?.message ?? err) });
    return render(internalError(), { "x-request-id": c.get("requestId") ?? "" });
  });
  app.notFound((c) => errorResponse(notFound(`No route for ${c.req.method} ${new URL(c.req.url).pathname}.`, "unknown_url")));

  app.use("*", async (c, next) => {
    const now = Date.now();
    c.set("requestId", ulid(now));
    c.set("startedAt", now);
    await next();
    // API calls put it in their answer's headers already (lifecycle/stages.ts): reading them here would cost a Headers object.
    if (!c.get("answered")) c.res.headers.set("x-request-id", c.get("requestId"));
  });

  app.get("/health", (c) => c.json({ status: "ok" }));

  const passthroughs = passthroughNames(gw);
  for (const path of ["/", "/v1/*", ...passthroughs.map((n) => `/${n}/*`)]) {
    app.use(path, cors(gw.config.cors.origins, EXPOSED_HEADERS));
    app.use(path, bodyGuard(gw.config.maxBodyBytes));
  }

  app.get("/v1/models", async (c) => c.json({ object: "list", data: visibleModels((await authenticate(gw, c.req.raw.headers)).key, listModels(gw)) }));
  for (const endpoint of ["chat", "completions", "embeddings"] as const) {
    const route = openAIRoute(gw, endpoint);
    app.post(endpoint === "chat" ? "/v1/chat/completions" : `/v1/${endpoint}`, (c) => runCall(gw, c, route));
  }
  const messages = messagesRoute(gw);
  const countTokens = countTokensRoute(gw);
  app.post("/v1/messages", (c) => runCall(gw, c, messages));
  app.post("/v1/messages/count_tokens", (c) => runCall(gw, c, countTokens));
  const responses = responsesRoute(gw);
  app.post("/v1/responses", (c) => runCall(gw, c, responses));
  app.route("/v1/responses", responsesStateApp(gw));
  const universal = universalRoute(gw);
  app.post("/", (c) => runCall(gw, c, universal));
  app.route("/v1/logs", ownLogsApp(gw));
  app.post("/v1/key/rotate", async (c) => selfRotate(gw, c, await authenticate(gw, c.req.raw.headers)));
  // The dashboard's page and assets: open, ahead of the admin API (the page itself signs in).
  uiRoutes(app);
  // No CORS on /admin: only the admin token opens it, never a browser on another origin.
  app.route("/admin", adminApp(gw));
  const metrics = gw.runtime.metrics;
  if (metrics && gw.config.telemetry.metrics.port === undefined) {
    const checkAdmin = adminCheck(gw);
    app.get("/metrics", async (c) => {
      await checkAdmin(c.req.raw.headers);
      return c.body(metrics.render(), 200, { "content-type": metrics.contentType });
    });
  }
  // After the /v1 routes, so /v1/* always wins: only configured or built-in provider names match here.
  for (const name of passthroughs) {
    const route = passthroughRoute(gw, name);
    app.all(`/${name}/*`, (c) => runCall(gw, c, route));
  }
  return app;
}
