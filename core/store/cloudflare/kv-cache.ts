import { sha256Hex } from "../../crypto.js";
import type { CacheStore } from "../types.js";
import type { KV } from "./bindings.js";
import { kvCall } from "./errors.js";

/** Workers KV refuses an expirationTtl under 60 seconds. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV keys may be 512 bytes; longer cache keys are stored under their hash. */
const MAX_KEY_BYTES = 480;

/** KV values may be 25 MiB; a UTF-16 unit is at most 3 UTF-8 bytes, so this many always fit. */
const MAX_VALUE_CHARS = Math.floor((25 * 1024 * 1024) / 3);

const encoder = new TextEncoder();

async function kvKey(key: string): Promise<string> {
  const name = `cache:${key}`;
  return encoder.encode(name).length <= MAX_KEY_BYTES ? name : `cache#${await sha256Hex(key)}`;
}

/**
 * Response cache in KV. KV's own expiry is rounded up to its 60-second minimum, so the exact
 * expiry travels in the entry's metadata and every read checks it.
 */
export function kvCache(kv: KV, now: () => number = Date.now): CacheStore {
  return {
    async get(key) {
      const name = await kvKey(key);
      const { value, metadata } = await kvCall("get", () => kv.getWithMetadata<{ expiresAt?: number }>(name, "text"));
      if (value === null) return null;
      if (typeof metadata?.expiresAt !== "number" || metadata.expiresAt <= now()) return null;
      return value;
    },
    async put(key, value, ttlSeconds) {
      if (!(ttlSeconds > 0) || value.length > MAX_VALUE_CHARS) return;
      const expiresAt = now() + ttlSeconds * 1000;
      const name = await kvKey(key);
      await kvCall("put", () => kv.put(name, value, { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttlSeconds)), metadata: { expiresAt } }));
    },
  };
}
