import { describe, expect, it } from "vitest";
import type { CachedAnswer } from "../../../core/cache/entry.js";
import { ResponseCache } from "../../../core/cache/response-cache.js";
import { silentLogger } from "../../../core/runtime.js";
import { memoryStore } from "../../../core/store/memory.js";

const answer = (text: string): CachedAnswer => ({ status: 200, headers: { "content-type": "application/json" }, stream: false, storedAt: 0, body: new TextEncoder().encode(text) });

describe("the response cache's memory tier", () => {
  const setup = (memoryLimit: number) => {
    let now = 1_000_000;
    const store = memoryStore({ now: () => now });
    let reads = 0;
    const counted = { ...store.cache, maxValueBytes: store.cache.maxValueBytes, get: (k: string) => (reads++, store.cache.get(k)), put: store.cache.put.bind(store.cache), purge: store.cache.purge.bind(store.cache) };
    const cache = new ResponseCache(counted, silentLogger, memoryLimit, () => now);
    return { cache, reads: () => reads, tick: (ms: number) => (now += ms) };
  };

  it("answers from memory without a store read, until the TTL", async () => {
    const { cache, reads, tick } = setup(1 << 20);
    await cache.put("key:a/1", answer("hello"), 60, "r");
    expect(new TextDecoder().decode((await cache.get("key:a/1", "r"))!.body)).toBe("hello");
    expect(reads()).toBe(0);
    tick(60_000);
    expect(await cache.get("key:a/1", "r")).toBeUndefined();
  });

  it("without a memory tier, every read goes to the store (and decodes)", async () => {
    const { cache, reads } = setup(0);
    await cache.put("key:a/1", answer("x".repeat(5000)), 60, "r");
    expect((await cache.get("key:a/1", "r"))!.body.length).toBe(5000);
    expect(reads()).toBe(1);
  });

  it("evicts the oldest answers past its size, and purges by prefix in memory and store", async () => {
    const { cache, reads } = setup(160 * 16);
    for (let i = 0; i < 20; i++) await cache.put(`key:a/${i}`, answer("y".repeat(150)), 60, "r");
    await cache.get("key:a/0", "r");
    expect(reads()).toBe(1); // evicted from memory, still in the store
    await cache.get("key:a/19", "r");
    expect(reads()).toBe(1);
    await cache.put("key:b/1", answer("z"), 60, "r");
    expect(await cache.purge("key:a/")).toBe(20);
    expect(await cache.get("key:a/19", "r")).toBeUndefined();
    expect(await cache.get("key:b/1", "r")).toBeDefined();
  });
});
