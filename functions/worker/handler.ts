import { ConfigError, configFileFromEnv, loadConfig } from "../../core/config.js";
import { GatewayError, errorResponse } from "../../core/errors.js";
import { fetchClient } from "../../core/http.js";
import type { Logger } from "../../core/runtime.js";
import { announceAccess, buildGateway, DeferredWork, type App } from "../boot.js";
import { watchBody } from "./deferred.js";
import { stringVars, type WorkerEnv } from "./env.js";
import type { CallObserver } from "../../core/gateway.js";
import { analyticsEngineDataPoint } from "../../core/telemetry/analytics-engine.js";
import { consoleLogger } from "./logger.js";
import { workerStore, type DynamoLoader } from "./store.js";

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

export interface WorkerHandler {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response>;
}

interface Built {
  env: WorkerEnv;
  app: Promise<App>;
  work: DeferredWork;
  log: Logger;
}

const misconfigured = () =>
  errorResponse(new GatewayError(500, "The gateway is misconfigured and cannot serve requests; its logs say why (wrangler tail).", "api_error", "gateway_misconfigured"));

/**
 * The Worker's fetch handler. The gateway is built on the first request of an isolate and kept
 * until the env object changes (a new deployment or secret gives a new isolate anyway).
 */
export function createWorker(opts: { dynamodb?: DynamoLoader } = {}): WorkerHandler {
  let built: Built | undefined;

  function build(env: WorkerEnv): Built {
    const vars = stringVars(env);
    const log = consoleLogger(vars.STRAIT_LOG_LEVEL);
    const work = new DeferredWork(log);
    const app = (async () => {
      // Fail closed: a Worker is on the public internet, so it never runs as an open gateway.
      const config = loadConfig(configFileFromEnv(vars), vars, { allowOpen: false });
      const store = await workerStore(env, vars, log, opts.dynamodb);
      const dataset = env.STRAIT_ANALYTICS;
      const observers: CallObserver[] = dataset ? [(record) => dataset.writeDataPoint(analyticsEngineDataPoint(record))] : [];
      const { gateway, app } = buildGateway(config, { http: fetchClient, defer: work.defer, log, env: vars, store }, observers);
      work.defer(announceAccess(gateway, "worker"));
      return app;
    })();
    return { env, app, work, log };
  }

  return {
    async fetch(request, env, ctx) {
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
      const { response, delivered } = watchBody(await app.fetch(request), current.log);
      ctx.waitUntil(delivered.then(() => current.work.drained()));
      return response;
    },
  };
}
