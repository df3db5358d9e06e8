import { describe, expect, it } from "vitest";
import { memoryStore } from "../../core/store/memory.js";
import { DEFAULT_MAX_LOG_ENTRIES } from "../../core/store/memory-logs.js";
import { describeStoreContract, logEntry } from "./contract.js";

describeStoreContract("memory", (now) => memoryStore({ now }));

describe("memory store", () => {
  it("keeps at most maxCacheEntries, dropping the oldest written first", async () => {
    const store = memoryStore({ maxCacheEntries: 3 });
    for (const k of ["a", "b", "c", "d"]) await store.cache.put(k, k, 60);
    expect(await store.cache.get("a")).toBeNull();
    expect(await store.cache.get("d")).toBe("d");
  });

  it("skips a value over maxCacheValueBytes, counted in UTF-8 bytes", async () => {
    const store = memoryStore({ maxCacheValueBytes: 8 });
    expect(store.cache.maxValueBytes).toBe(8);
    await store.cache.put("fits", "éééé", 60);
    await store.cache.put("over", "éééé1", 60);
    expect(await store.cache.get("fits")).toBe("éééé");
    expect(await store.cache.get("over")).toBeNull();
    expect(memoryStore().cache.maxValueBytes).toBe(25 * 1024 * 1024);
  });
});

describe("memory request log", () => {
  it("keeps at most maxLogEntries (10,000 by default), dropping the oldest written first", async () => {
    const store = memoryStore({ maxLogEntries: 3 });
    const now = Date.now();
    const entries = [0, 1, 2, 3].map((i) => logEntry(now + i));
    await store.logs!.put(entries.slice(0, 2));
    await store.logs!.put(entries.slice(2));
    expect(await store.logs!.get(entries[0]!.id)).toBeNull();
    expect((await store.logs!.list({})).items.map((e) => e.id)).toEqual([3, 2, 1].map((i) => entries[i]!.id));
    expect(DEFAULT_MAX_LOG_ENTRIES).toBe(10_000);
  });
});
