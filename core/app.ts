import { type Context, Hono } from "hono";
import { adminApp, adminCheck } from "./admin/index.js";
import { uiRoutes } from "./admin/ui/serve.js";
import type { AppEnv } from "./app-env.js";
import { apiRoutes } from "./api-routes.js";
import { errorAnswer } from "./error-answer.js";
import { errorResponse, notFound } from "./errors.js";
import type { Gateway } from "./gateway.js";
import { honoApiRequest } from "./hono-request.js";
import { ulid } from "./ids.js";
import { visibleModels } from "./keys/models.js";
import { selfRotate } from "./keys/self-rotate.js";
import { authenticate } from "./lifecycle/auth.js";
import { bodyGuard } from "./lifecycle/body-limit.js";
import { cors, corsPolicy } from "./lifecycle/cors.js";
import { type ApiRoute, runCall } from "./lifecycle/stages.js";
import { listModels } from "./routes/models.js";
import { ownLogsApp } from "./routes/own-logs.js";
import { passthroughNames, passthroughRoute } from "./routes/passthrough.js";
import { responsesStateApp } from "./routes/responses-state.js";
import { asResponse } from "./response-parts.js";

/**
 * The whole gateway as one Hono app: Web-standard Request in, Response out. This file only wires
 * routes; every API call runs the one lifecycle in lifecycle/stages.ts. The API routes at fixed
 * paths are listed in api-routes.ts: the Node adapter serves those same routes straight from
 * node:http too (functions/node/direct-api.ts), and everything else through this app.
 */
export function createApp(gw: Gateway): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { log } = gw.runtime;

  app.onError((err, c) => errorAnswer(log, err, c.req.path, { "x-request-id": c.get("requestId") ?? "" }));
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
  const corsHeaders = corsPolicy(gw.config.cors.origins);
  for (const path of ["/", "/v1/*", ...passthroughs.map((n) => `/${n}/*`)]) {
    app.use(path, cors(corsHeaders));
    app.use(path, bodyGuard(gw.config.maxBodyBytes));
  }

  app.get("/v1/models", async (c) => c.json({ object: "list", data: visibleModels((await authenticate(gw, c.req.raw.headers)).key, listModels(gw)) }));
  // Every API call runs the one lifecycle; its answer carries its own request id (and CORS headers).
  const call = (route: ApiRoute) => (c: Context<AppEnv>) =>
    runCall(gw, honoApiRequest(gw, c), route).then((answer) => {
      c.set("answered", true);
      return asResponse(answer);
    });
  for (const [path, route] of apiRoutes(gw)) app.post(path, call(route));
  app.route("/v1/responses", responsesStateApp(gw));
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
    app.all(`/${name}/*`, call(passthroughRoute(gw, name)));
  }
  return app;
}
