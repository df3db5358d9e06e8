import { loadConfig } from "../../core/config.js";
import { silentLogger } from "../../core/runtime.js";
import { startServer, type RunningServer } from "../../functions/node/server.js";

/** The real local server on an ephemeral loopback port, configured as a user would (config JSON + env). */
export async function startGateway(file: unknown = {}, env: Record<string, string | undefined> = {}, opts: { allowOpen?: boolean } = {}): Promise<RunningServer> {
  const config = loadConfig(file, env, { allowOpen: opts.allowOpen ?? true });
  return startServer({ config, host: "127.0.0.1", port: 0, log: silentLogger, env, shutdownTimeoutMs: 2_000 });
}
