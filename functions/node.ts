/** `npm start`: the gateway as a local Node server; STRAIT_WORKERS > 1 runs it on several processes (node/cluster.ts). */
import "./node/v8-flags.js";
import cluster from "node:cluster";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../core/config.js";
import { announceAccess } from "./boot.js";
import { parseWorkers, runPrimary, runWorker, type ServeOptions } from "./node/cluster.js";
import { jsonLogger, logLevelFrom } from "./node/logger.js";
import { isLoopback, startServer } from "./node/server.js";
import { openNodeStore } from "./node/store.js";

/**
 * How long usage and spend wait, merged, before they go to the embedded store: a write there
 * costs about 6 ms of CPU (dynalite and the AWS SDK), and a crash loses at most this much spend.
 */
const WRITE_BEHIND_MS = 5_000;

const env = process.env;
const log = jsonLogger(logLevelFrom(env.STRAIT_LOG_LEVEL), undefined, cluster.isWorker ? { pid: process.pid } : {});

function readConfigFile(): unknown {
  const path = env.STRAIT_CONFIG ?? (existsSync("strait.config.json") ? "strait.config.json" : undefined);
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(resolve(path), "utf8"));
  } catch (e) {
    throw new ConfigError(`Could not read the config file ${path}: ${(e as Error).message}`);
  }
}

async function main() {
  const host = env.HOST ?? "127.0.0.1";
  const port = Number(env.PORT ?? 8787);
  const workers = parseWorkers(env.STRAIT_WORKERS);
  const config = loadConfig(readConfigFile(), env, { allowOpen: isLoopback(host) });
  const opts: ServeOptions = { config, env, log, host, port, writeBehindMs: WRITE_BEHIND_MS, shutdownTimeoutMs: Number(env.STRAIT_SHUTDOWN_TIMEOUT_MS ?? 10_000) };
  if (cluster.isWorker) return runWorker(opts);
  if (workers > 1) return runPrimary({ ...opts, workers });

  const store = await openNodeStore(env, log);
  const server = await startServer({ ...opts, store: store.store, ownsCounters: store.ownsCounters });
  const providers = server.gateway.routeNames().filter((n) => server.gateway.isListed(server.gateway.route(n)!));
  log.info("listening", { url: server.url, providers, store: store.description });
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, async () => {
      log.info("shutting down", { signal });
      await server.close();
      await store.close().catch((e) => log.error("could not close the store cleanly", { error: String(e?.message ?? e) }));
      process.exit(0);
    });
  }
  await announceAccess(server.gateway, "node");
}

main().catch((e) => {
  log.error(e instanceof ConfigError ? e.message : "failed to start", e instanceof ConfigError ? {} : { error: String(e?.message ?? e) });
  process.exit(1);
});
