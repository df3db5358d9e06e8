/** How the Cloudflare store meets KV's failures: named, fail-closed errors, and throttled key writes paced. */
import { describe, expect, it } from "vitest";
import type { KV } from "../../core/store/cloudflare/bindings.js";
import { kvCache } from "../../core/store/cloudflare/kv-cache.js";
import { writeKey } from "../../core/store/cloudflare/kv-keys.js";
import { StoreUnavailableError } from "../../core/store/types.js";
import { keyRecord } from "../store/contract.js";

/** A KV namespace that answers the first `failures` writes the way Workers KV does when a key is written more than once a second. */
function throttlingKv(failures: number): KV & { data: Map<string, string> } {
  const data = new Map<string, string>();
  let left = failures;
  return {
    data,
    async get(key) {
      return data.get(key) ?? null;
    },
    async getWithMetadata(key) {
      return { value: data.get(key) ?? null, metadata: null };
    },
    async put(key, value) {
      if (left-- > 0) throw new Error("KV PUT failed: 429 Too Many Requests");
      data.set(key, value);
    },
    async delete(key) {
      data.delete(key);
    },
    async list() {
      return { keys: [], list_complete: true };
    },
  };
}

describe("Cloudflare store on a failing KV", () => {
  it("a throttled key write waits out KV's one-write-a-second and succeeds", async () => {
    const kv = throttlingKv(1);
    const rec = keyRecord();
    const started = Date.now();
    await writeKey(kv, rec, null);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(JSON.parse(kv.data.get(`vk:hash:${rec.hash}`)!)).toEqual(rec);
    expect(JSON.parse(kv.data.get(`vk:id:${rec.id}`)!)).toEqual(rec);
  });

  it("a cache read that fails is a StoreUnavailableError, never a silent miss", async () => {
    const kv = throttlingKv(0);
    kv.getWithMetadata = async () => {
      throw new Error("KV GET failed: 500 Internal Server Error");
    };
    const err = await kvCache(kv).get("k").catch((e) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ code: "KVError", throttled: false });
  });

  it("a cache write KV throttles is reported as throttled", async () => {
    const err = await kvCache(throttlingKv(5)).put("k", "v", 60).catch((e) => e);
    expect(err).toMatchObject({ name: "StoreUnavailableError", throttled: true });
  });
});
