/** `npm start`: the gateway as a local Node server. */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../core/config.js";
import { jsonLogger, logLevelFrom } from "./node/logger.js";
import { isLoopback, startServer } from "./node/server.js";
import { createNodeStore } from "./node/store.js";

const env = process.env;
const log = jsonLogger(logLevelFrom(env.STRAIT_LOG_LEVEL));

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
  const config = loadConfig(readConfigFile(), env, { allowOpen: isLoopback(host) });
  const store = await createNodeStore(env, log);
  const server = await startServer({ config, host, port, log, store: store.store, shutdownTimeoutMs: Number(env.STRAIT_SHUTDOWN_TIMEOUT_MS ?? 10_000) });
  const providers = server.gateway.routeNames().filter((n) => server.gateway.isListed(server.gateway.route(n)!));
  log.info("listening", { url: server.url, providers, store: store.description });
  if (config.auth.tokens.length === 0 && !config.admin.token) {
    if (config.auth.allowOpen) log.warn("open gateway: no gateway tokens or admin token are set, so until a virtual key exists anyone who can reach this loopback address can use it. Set STRAIT_GATEWAY_TOKENS or STRAIT_ADMIN_TOKEN to require a key.");
    else log.error("no gateway tokens are set and the server is not on loopback: every API request is refused until a virtual key exists (fail closed). Set STRAIT_GATEWAY_TOKENS or STRAIT_ADMIN_TOKEN.");
  }
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, async () => {
      log.info("shutting down", { signal });
      await server.close();
      await store.close().catch((e) => log.error("could not close the store cleanly", { error: String(e?.message ?? e) }));
      process.exit(0);
    });
  }
}

main().catch((e) => {
  log.error(e instanceof ConfigError ? e.message : "failed to start", e instanceof ConfigError ? {} : { error: String(e?.message ?? e) });
  process.exit(1);
});
