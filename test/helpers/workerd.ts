import { join } from "node:path";
import { Miniflare } from "miniflare";

/**
 * A bundled Worker (`dir`/`script`) in workerd through Miniflare, bound as wrangler.toml binds it:
 * the STRAIT_KV namespace and the StoreObject Durable Object; the gateway token, silent logs and `config`.
 */
export function startWorkerd(dir: string, script: string, opts: { token: string; config: unknown }): Miniflare {
  return new Miniflare({
    modules: true,
    scriptPath: join(dir, script),
    modulesRoot: dir,
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["enable_request_signal"],
    kvNamespaces: ["STRAIT_KV"],
    durableObjects: { STRAIT_OBJECTS: { className: "StoreObject", useSQLite: true } },
    bindings: {
      STRAIT_GATEWAY_TOKENS: opts.token,
      STRAIT_LOG_LEVEL: "silent",
      STRAIT_CONFIG_JSON: JSON.stringify(opts.config),
    },
  });
}
