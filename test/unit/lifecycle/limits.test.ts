import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../../core/app.js";
import { loadConfig } from "../../../core/config.js";
import { Gateway } from "../../../core/gateway.js";
import type { KeyService } from "../../../core/keys/service.js";
import { effective, formatDuration, periodWindow, retryAfterMs, windowStart, type WindowView } from "../../../core/lifecycle/windows.js";
import { silentLogger } from "../../../core/runtime.js";
import { memoryStore } from "../../../core/store/memory.js";
import { Coalescer, WriteBehind } from "../../../core/usage/coalesce.js";

const view = (v: Partial<WindowView>): WindowView => ({ start: 0, ms: 60_000, prev: 0, current: 0, weight: 0, ...v });

describe("window arithmetic", () => {
  it("windows start on the minute; sliding weighs the previous one by its overlap", () => {
    expect(windowStart(125_000, 60_000)).toBe(120_000);
    expect(effective(view({ prev: 10, current: 3, weight: 0.25 }))).toBe(5.5);
  });

  it("fixed: retry when the window ends", () => {
    expect(retryAfterMs(view({ current: 5 }), 5, 1, 20_000)).toBe(40_000);
  });

  it("sliding: retry when the previous window has faded enough", () => {
    // 15 s in, prev 10 weighs 7.5, current 2: room for one more once prev × w ≤ 10 - 1 - 2 = 7 → w ≤ 0.7 → 18 s in.
    expect(retryAfterMs(view({ prev: 10, current: 2, weight: 0.75 }), 10, 1, 15_000)).toBeCloseTo(3_000, 5);
    // The current window alone is full: the next window, once this one's 10 fade to 9 → 6 s into it.
    expect(retryAfterMs(view({ prev: 0, current: 10, weight: 0.5 }), 10, 1, 30_000)).toBeCloseTo(30_000 + 6_000, 5);
    expect(retryAfterMs(view({ prev: 0, current: 3, weight: 0.5 }), 10, 1, 30_000)).toBe(0);
  });

  it("formats resets like OpenAI", () => {
    expect(formatDuration(20)).toBe("20ms");
    expect(formatDuration(6_500)).toBe("7s");
    expect(formatDuration(60_000)).toBe("1m0s");
    expect(formatDuration(3_723_000)).toBe("1h2m3s");
  });

  it("budget periods are UTC day, calendar month, or all time", () => {
    const t = Date.parse("2026-02-14T15:30:00Z");
    expect(periodWindow("day", t)).toMatchObject({ start: Date.parse("2026-02-14T00:00:00Z"), end: Date.parse("2026-02-15T00:00:00Z") });
    expect(periodWindow("month", t)).toMatchObject({ start: Date.parse("2026-02-01T00:00:00Z"), end: Date.parse("2026-03-01T00:00:00Z") });
    expect(periodWindow("month", Date.parse("2026-12-31T23:00:00Z")).end).toBe(Date.parse("2027-01-01T00:00:00Z"));
    expect(periodWindow("total", t).start).toBe(0);
    expect(periodWindow("total", t).end).toBeUndefined();
    // The month's counter stays readable for the whole month.
    const m = periodWindow("month", t);
    expect(m.start + 2 * m.ms).toBeGreaterThan(m.end!);
  });
});

// The store's counters (Lambda, Workers) and this process's own (the local server: settled at once).
describe.each([
  ["the store's counters", false],
  ["the process's own counters", true],
])("the limits stage on a fake clock, %s", (_, ownsCounters) => {
  afterEach(() => vi.useRealTimers());

  async function setup(window: "fixed" | "sliding") {
    const store = memoryStore();
    const env = { STRAIT_ADMIN_TOKEN: "t" };
    const gw = new Gateway(loadConfig({ limits: { window } }, env, { allowOpen: true }), { http: async () => { throw new Error("no network"); }, defer: () => {}, log: silentLogger, env, store, ownsCounters });
    const app = createApp(gw);
    const { key } = await (gw.keys as KeyService).create({ name: "k", rpm: 10 });
    const call = async () =>
      (await app.request("/v1/chat/completions", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "mock/echo", messages: [{ role: "user", content: "x" }] }) })).status;
    const calls = async (n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(await call());
      return out;
    };
    return { calls };
  }

  const at = (s: number) => vi.setSystemTime(Date.parse("2026-11-21T10:00:00Z") + s * 1000);

  it("sliding: the previous minute still counts, fading as it slides out", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at(30);
    const { calls } = await setup("sliding");
    expect(await calls(11)).toEqual([...Array(10).fill(200), 429]);
    at(75); // 15 s into the next minute: the 10 weigh 7.5 → 2 more fit
    expect(await calls(3)).toEqual([200, 200, 429]);
    at(105); // 45 s in: they weigh 2.5 → 7 fit in total, 2 already used
    expect(await calls(6)).toEqual([200, 200, 200, 200, 200, 429]);
    at(125); // a minute later: the 7 of the last minute weigh 7 × 55/60
    expect(await calls(2)).toEqual([200, 200]);
  });

  it("fixed: a new minute starts from zero", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    at(30);
    const { calls } = await setup("fixed");
    expect(await calls(11)).toEqual([...Array(10).fill(200), 429]);
    at(61);
    expect(await calls(11)).toEqual([...Array(10).fill(200), 429]);
  });
});

describe("coalescing counter writes", () => {
  it("writes the first addition at once and merges the ones that arrive while it is in flight", async () => {
    const writes: number[] = [];
    let release!: () => void;
    const c = new Coalescer<number>(
      (a, b) => a + b,
      async (n) => {
        writes.push(n);
        if (writes.length === 1) await new Promise<void>((r) => (release = r));
      },
    );
    let settled = 0;
    const all = Array.from({ length: 10 }, (_, i) => c.add("k", i + 1).then(() => settled++));
    const other = c.add("other", 100);
    await Promise.resolve();
    expect(writes).toEqual([1, 100]);
    expect(settled).toBe(0);
    release();
    await Promise.all([...all, other]);
    expect(writes).toEqual([1, 100, 54]);
    expect(settled).toBe(10);
    await c.add("k", 5);
    expect(writes).toEqual([1, 100, 54, 5]);
  });

  it("a batch waiting out the write-behind delay goes at once when it is full, and only once", async () => {
    const writes: number[][] = [];
    const behind = new WriteBehind(60_000);
    const c = new Coalescer<number[]>(
      (a, b) => (a.push(...b), a),
      async (batch) => void writes.push([...batch]),
      { behind, full: (batch) => batch.length >= 3 },
    );
    const first = [c.add("log", [1]), c.add("log", [2])];
    await Promise.resolve();
    expect(writes).toEqual([]); // waiting for the delay
    first.push(c.add("log", [3]));
    await Promise.all(first);
    expect(writes).toEqual([[1, 2, 3]]); // full: written without the delay
    const later = c.add("log", [4]);
    behind.close(); // the delay ends: the first batch's wait finds nothing left to do
    await later;
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it("a failed write fails exactly the additions it carried", async () => {
    let fail = true;
    let release!: () => void;
    const c = new Coalescer<number>((a, b) => a + b, async () => {
      if (fail) {
        await new Promise<void>((r) => (release = r));
        fail = false;
        throw new Error("throttled");
      }
    });
    const first = c.add("k", 1);
    const second = c.add("k", 2);
    release();
    await expect(first).rejects.toThrow("throttled");
    await expect(second).resolves.toBeUndefined();
  });
});
