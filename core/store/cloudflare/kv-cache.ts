import { sha256Hex } from "../../crypto.js";
import { exceedsUtf8Bytes } from "../rules.js";
import type { CacheStore } from "../types.js";
import type { KV } from "./bindings.js";
import { kvCall } from "./errors.js";

/** Workers KV refuses an expirationTtl under 60 seconds. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV keys may be 512 bytes; longer cache keys are stored under their hash. */
const MAX_KEY_BYTES = 480;
/** KV values may be 25 MiB; the margin keeps clear of however KV counts its own overhead. */
export const KV_MAX_VALUE_BYTES = 25 * 1024 * 1024 - 64 * 1024;

const NAMED = "cache:";
const HASHED = "cache#";
const encoder = new TextEncoder();

async function kvKey(key: string): Promise<string> {
  const name = NAMED + key;
  return encoder.encode(name).length <= MAX_KEY_BYTES ? name : HASHED + (await sha256Hex(key));
}

/**
 * Response cache in KV. KV's own expiry is rounded up to its 60-second minimum, so the exact
 * expiry travels in the entry's metadata and every read checks it.
 */
export function kvCache(kv: KV, now: () => number = Date.now): CacheStore {
  return {
    maxValueBytes: KV_MAX_VALUE_BYTES,
    async get(key) {
      const name = await kvKey(key);
      const { value, metadata } = await kvCall("get", () => kv.getWithMetadata<{ expiresAt?: number }>(name, "text"));
      if (value === null) return null;
      if (typeof metadata?.expiresAt !== "number" || metadata.expiresAt <= now()) return null;
      return value;
    },
    async put(key, value, ttlSeconds) {
      if (!(ttlSeconds > 0) || exceedsUtf8Bytes(value, KV_MAX_VALUE_BYTES)) return;
      const expiresAt = now() + ttlSeconds * 1000;
      const name = await kvKey(key);
      await kvCall("put", () => kv.put(name, value, { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttlSeconds)), metadata: { expiresAt } }));
    },
    /**
     * Lists and deletes page by page. A prefix matches only the entries stored under their own
     * name: a key too long for KV lives under its hash, which no prefix can find (the gateway's
     * keys, `<tenant>/<64 hex>`, are far shorter). Purging everything deletes those too. The
     * entries of virtual keys in the same namespace (`vk:`) are never touched.
     * A Worker request may make at most 1,000 KV operations: a larger purge fails part-way with
     * a StoreUnavailableError after deleting what it could; running it again continues.
     */
    async purge(prefix = "") {
      let deleted = 0;
      for (const listed of prefix ? [NAMED + prefix] : [NAMED, HASHED]) {
        let cursor: string | undefined;
        do {
          const page = await kvCall("list", () => kv.list({ prefix: listed, cursor: cursor ?? null }));
          await Promise.all(page.keys.map((k) => kvCall("delete", () => kv.delete(k.name))));
          deleted += page.keys.length;
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor);
      }
      return deleted;
    },
  };
}
