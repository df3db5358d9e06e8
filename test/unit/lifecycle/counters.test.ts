import { describe, expect, it } from "vitest";
import { processCounters } from "../../../core/lifecycle/counters.js";
import { memoryStore } from "../../../core/store/memory.js";
import type { LimitStore } from "../../../core/store/types.js";
import { WriteBehind } from "../../../core/usage/coalesce.js";

/** The store's limit counters, counting what reaches them. */
function countedStore() {
  const inner = memoryStore().limits;
  const calls = { hit: 0, add: 0, get: 0 };
  const store: LimitStore = {
    hit: (...a) => (calls.hit++, inner.hit(...a)),
    add: (...a) => (calls.add++, inner.add(...a)),
    get: (...a) => (calls.get++, inner.get(...a)),
  };
  return { store, inner, calls };
}

function setup() {
  const { store, inner, calls } = countedStore();
  const work: Promise<unknown>[] = [];
  const behind = new WriteBehind(60_000);
  const counters = processCounters(store, { defer: (w) => work.push(w), behind });
  const settle = async () => {
    behind.close();
    await Promise.all(work);
  };
  return { counters, inner, calls, settle };
}

const MINUTE = 60_000;
const t0 = Date.parse("2026-11-29T10:00:00Z");

describe("the process's own counters", () => {
  it("rate windows live in memory only, exact, settled at once", () => {
    const { counters, calls } = setup();
    expect(counters.peek("rpm:key:a", t0)).toBe(0);
    const results = Array.from({ length: 5 }, () => counters.hitNow("rpm:key:a", t0, MINUTE, 1, 3));
    expect(results.map((r) => r?.allowed)).toEqual([true, true, true, false, false]);
    expect(counters.addNow("tpm:key:a", t0, MINUTE, 40)).toBe(40);
    expect(counters.peek("tpm:key:a", t0)).toBe(40);
    expect(counters.peek("rpm:key:a", t0)).toBe(3);
    expect(calls).toEqual({ hit: 0, add: 0, get: 0 });
  });

  it("a spend counter is read from the store once, then counted here and written behind", async () => {
    const { counters, inner, calls, settle } = setup();
    await inner.add("spend:k:day", t0, 86_400_000, 500);
    expect(counters.peek("spend:k:day", t0)).toBeUndefined();
    expect(counters.addNow("spend:k:day", t0, 86_400_000, 1)).toBeUndefined();
    const [a, b] = await Promise.all([counters.get("spend:k:day", t0), counters.get("spend:k:day", t0)]);
    expect([a, b]).toEqual([500, 500]);
    expect(calls.get).toBe(1);
    for (let i = 0; i < 10; i++) counters.addNow("spend:k:day", t0, 86_400_000, 7);
    expect(counters.peek("spend:k:day", t0)).toBe(570);
    expect(calls.add).toBe(0); // behind the answers
    await settle();
    expect(calls.add).toBe(1); // ten additions, one write
    expect(await inner.get("spend:k:day", t0)).toBe(570);
  });

  it("a failed first read fails its callers, and the next one reads again", async () => {
    const { store, calls } = countedStore();
    let fail = true;
    const flaky: LimitStore = { ...store, get: (k, s) => (fail ? (calls.get++, Promise.reject(new Error("down"))) : store.get(k, s)) };
    const counters = processCounters(flaky, { defer: () => {}, behind: new WriteBehind(0) });
    await expect(counters.get("spend:k:day", t0)).rejects.toThrow("down");
    fail = false;
    expect(await counters.add("spend:k:day", t0, 86_400_000, 5)).toBe(5);
    expect(calls.get).toBe(2);
  });
});

describe("the process's own counters, swept", () => {
  it("drops ended windows once there are many, and keeps the live ones", () => {
    let clock = t0;
    const counters = processCounters(memoryStore().limits, { defer: () => {}, behind: new WriteBehind(0), now: () => clock });
    for (let i = 0; i < 50_000; i++) counters.hitNow(`rpm:key:${i}`, t0, MINUTE, 1, 10);
    clock = t0 + 2 * MINUTE; // every window above has ended
    counters.hitNow("rpm:key:live", clock, MINUTE, 1, 10);
    counters.hitNow("rpm:key:live", clock, MINUTE, 1, 10);
    expect(counters.peek("rpm:key:0", t0)).toBe(0);
    expect(counters.peek("rpm:key:live", clock)).toBe(2);
  });
});
