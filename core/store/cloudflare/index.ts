import type { Store } from "../types.js";
import { durableObjectAnalytics } from "./analytics.js";
import type { DurableObjectNamespaceLike, KV } from "./bindings.js";
import { durableObjectLimits, durableObjectUsage } from "./counters.js";
import { kvCache } from "./kv-cache.js";
import { kvKeys } from "./kv-keys.js";
import { kvResponses } from "./kv-responses.js";
import { durableObjectLogs } from "./logs.js";

export { StoreObject, type StoreObjectEnv } from "./store-object.js";
export type { DurableObjectNamespaceLike, KV } from "./bindings.js";

/**
 * The store on Cloudflare's own services: virtual keys and the response cache in Workers KV
 * (read-mostly, eventually consistent), rate-limit and usage counters in a Durable Object
 * (exact and atomic), which also serializes the writes of each virtual key and keeps the request
 * log and hourly analytics in its SQLite, and the Responses API's stored responses in KV. Keys,
 * cache and responses may share one namespace; their key prefixes differ (`vk:`, `cache:`,
 * `resp:`). The StoreObject must see the keys' namespace as STRAIT_KV (it writes the keys).
 */
export function cloudflareStore(opts: {
  kv: KV;
  /** A separate namespace for the cache, if wanted (its own quota and purge); default: `kv`. */
  cacheKv?: KV;
  /** A separate namespace for stored responses, if wanted; default: `kv`. */
  responsesKv?: KV;
  /** The StoreObject namespace (binding STRAIT_OBJECTS). */
  objects: DurableObjectNamespaceLike;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
}): Store {
  const now = opts.now ?? Date.now;
  return {
    kind: "cloudflare",
    keys: kvKeys(opts.kv, opts.objects),
    cache: kvCache(opts.cacheKv ?? opts.kv, now),
    limits: durableObjectLimits(opts.objects, now),
    usage: durableObjectUsage(opts.objects),
    responses: kvResponses(opts.responsesKv ?? opts.kv, now),
    logs: durableObjectLogs(opts.objects, now),
    analytics: durableObjectAnalytics(opts.objects),
  };
}
