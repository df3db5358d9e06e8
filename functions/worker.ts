/**
 * The gateway as a Cloudflare Worker (ES module): `npx wrangler deploy`. Config from the
 * Worker's vars and secrets, state in Workers KV + the StoreObject Durable Object, deferred work
 * on ctx.waitUntil. functions/worker-dynamodb.ts is the same Worker on DynamoDB instead.
 */
import { createWorker } from "./worker/handler.js";

/** The store's Durable Object: wrangler.toml binds it as STRAIT_OBJECTS, class_name "StoreObject". */
export { StoreObject } from "../core/store/cloudflare/index.js";

export default createWorker();
