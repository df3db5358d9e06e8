import type { Env } from "../../core/runtime.js";
import type { DurableObjectNamespaceLike, KV } from "../../core/store/cloudflare/index.js";

/**
 * What the Worker is bound to (wrangler.toml + `wrangler secret put`): string vars and secrets
 * (STRAIT_CONFIG_JSON, STRAIT_GATEWAY_TOKENS, STRAIT_ADMIN_TOKEN, OPENAI_API_KEY, …), the KV
 * namespace and the Durable Object namespace.
 */
export interface WorkerEnv {
  STRAIT_KV?: KV;
  /** A separate namespace for the response cache (optional; default STRAIT_KV). */
  STRAIT_CACHE_KV?: KV;
  /** A separate namespace for stored Responses API responses (optional; default STRAIT_KV). */
  STRAIT_RESPONSES_KV?: KV;
  /** The StoreObject Durable Object: counters, usage, and serialized key writes. */
  STRAIT_OBJECTS?: DurableObjectNamespaceLike;
  /** Workers Analytics Engine (optional): a data point per request, queried with SQL. */
  STRAIT_ANALYTICS?: AnalyticsEngineDatasetLike;
  [name: string]: unknown;
}

/** The part of a Workers Analytics Engine dataset binding the gateway uses. */
export interface AnalyticsEngineDatasetLike {
  writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void;
}

/** The string bindings only: the core's view of the environment. */
export function stringVars(env: WorkerEnv): Env {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === "string") out[name] = value;
  return out;
}
