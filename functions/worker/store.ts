import { ConfigError } from "../../core/config.js";
import type { Env, Logger } from "../../core/runtime.js";
import { cloudflareStore } from "../../core/store/cloudflare/index.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";
import { parseStoreName } from "../boot.js";
import type { WorkerEnv } from "./env.js";

/** The DynamoDB adapter, bundled only into functions/worker-dynamodb.ts. */
export type DynamoLoader = () => Promise<Pick<typeof import("../../core/store/dynamodb/index.js"), "dynamodbStoreFromEnv">>;

/**
 * STRAIT_STORE picks where keys, cache and counters live:
 *   cloudflare  Workers KV (STRAIT_KV) + the store Durable Object (STRAIT_OBJECTS); the default when both are bound
 *   dynamodb    the same DynamoDB tables as the AWS deployment (AWS_* secrets, STRAIT_TABLE_*), over fetch;
 *               only in the functions/worker-dynamodb.ts build (`wrangler deploy -c wrangler.dynamodb.toml`)
 *   memory      this isolate's memory only: each isolate counts alone, nothing persists (trying things out)
 *   none        no state: gateway tokens only, no virtual keys, limits or cache
 * (The names and their error are functions/boot.ts's, shared with the other runtimes.)
 */
export async function workerStore(env: WorkerEnv, vars: Env, log: Logger, dynamodb?: DynamoLoader): Promise<Store | undefined> {
  const kind = parseStoreName(vars.STRAIT_STORE, "worker", env.STRAIT_KV && env.STRAIT_OBJECTS ? "cloudflare" : "none");
  switch (kind) {
    case "cloudflare":
      if (!env.STRAIT_KV || !env.STRAIT_OBJECTS) {
        throw new ConfigError("STRAIT_STORE=cloudflare needs the KV namespace binding STRAIT_KV and the Durable Object binding STRAIT_OBJECTS (see wrangler.toml).");
      }
      return cloudflareStore({ kv: env.STRAIT_KV, cacheKv: env.STRAIT_CACHE_KV, responsesKv: env.STRAIT_RESPONSES_KV, objects: env.STRAIT_OBJECTS });
    case "dynamodb": {
      if (!dynamodb) {
        throw new ConfigError("STRAIT_STORE=dynamodb needs the DynamoDB build of the Worker: deploy it with `npx wrangler deploy -c wrangler.dynamodb.toml` (main = functions/worker-dynamodb.ts).");
      }
      if (!vars.AWS_ACCESS_KEY_ID || !vars.AWS_SECRET_ACCESS_KEY) {
        throw new ConfigError("STRAIT_STORE=dynamodb on a Worker needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (wrangler secret put), and AWS_REGION.");
      }
      return (await dynamodb()).dynamodbStoreFromEnv(vars);
    }
    case "memory":
      log.warn("STRAIT_STORE=memory: keys, limits and usage live in one isolate's memory and are lost when it stops; each isolate counts on its own.");
      return memoryStore();
    default:
      log.warn(
        vars.STRAIT_STORE?.trim()
          ? "STRAIT_STORE=none: no store, so virtual keys, limits, usage and cache are off."
          : "no store: STRAIT_KV and STRAIT_OBJECTS are not bound and STRAIT_STORE is not set, so virtual keys, limits, usage and cache are off.",
      );
      return undefined;
  }
}
