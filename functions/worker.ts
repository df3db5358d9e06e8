/**
 * The gateway as a Cloudflare Worker (ES module). Config comes from the Worker's vars and
 * secrets, state from KV + the counter Durable Object (or DynamoDB), deferred work goes to
 * ctx.waitUntil. Built once per isolate; rebuilt only when the env object changes.
 */
import { createApp } from "../core/app.js";
import { ConfigError, loadConfig } from "../core/config.js";
import { GatewayError, errorResponse } from "../core/errors.js";
import { Gateway } from "../core/gateway.js";
import { fetchClient } from "../core/http.js";
import type { Logger } from "../core/runtime.js";
import { DeferredWork, watchBody } from "./worker/deferred.js";
import { configFile, stringVars, type WorkerEnv } from "./worker/env.js";
import { consoleLogger } from "./worker/logger.js";
import { workerStore } from "./worker/store.js";

/** The store's Durable Object: wrangler.toml binds it as STRAIT_OBJECTS, class_name "StoreObject". */
export { StoreObject } from "../core/store/cloudflare/index.js";

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

interface Built {
  env: WorkerEnv;
  app: Promise<{ fetch(req: Request): Response | Promise<Response> }>;
  work: DeferredWork;
  log: Logger;
}

let built: Built | undefined;

function build(env: WorkerEnv): Built {
  const vars = stringVars(env);
  const log = consoleLogger(vars.STRAIT_LOG_LEVEL);
  const work = new DeferredWork((e) => log.error("deferred work failed", { error: String((e as Error)?.message ?? e) }));
  const app = (async () => {
    // Fail closed: a Worker is on the public internet, so it never runs as an open gateway.
    const config = loadConfig(configFile(vars), vars, { allowOpen: false });
    const store = await workerStore(env, vars, log);
    const gateway = new Gateway(config, { http: fetchClient, defer: work.defer, log, env: vars, store });
    if (config.auth.tokens.length === 0 && !vars.STRAIT_ADMIN_TOKEN) {
      log.error("no gateway tokens or admin token are set: every API request is refused (fail closed). Run `wrangler secret put STRAIT_GATEWAY_TOKENS`.");
    }
    return createApp(gateway);
  })();
  return { env, app, work, log };
}

const misconfigured = () =>
  errorResponse(new GatewayError(500, "The gateway is misconfigured and cannot serve requests; its logs say why (wrangler tail).", "api_error", "gateway_misconfigured"));

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    if (built?.env !== env) built = build(env);
    const current = built;
    let app;
    try {
      app = await current.app;
    } catch (e) {
      if (built === current) built = undefined; // try again on the next request (a secret may have been added)
      current.log.error(e instanceof ConfigError ? e.message : "failed to start", e instanceof ConfigError ? {} : { error: String((e as Error)?.message ?? e) });
      return misconfigured();
    }
    const { response, delivered } = watchBody(await app.fetch(request));
    ctx.waitUntil(delivered.then(() => current.work.drained()));
    return response;
  },
};
