/** The analytics observer's guardrail counters: one per call per policy and action that acted, never per match. */
import { describe, expect, it } from "vitest";
import { analyticsObserver, guardrailCounters } from "../../../core/analytics/observer.js";
import type { Gateway } from "../../../core/gateway.js";
import type { FinishedCall } from "../../../core/lifecycle/call.js";
import { memoryStore } from "../../../core/store/memory.js";
import type { AnalyticsRow, AnalyticsStore } from "../../../core/store/types.js";
import type { CallRecord, GuardHit } from "../../../core/types.js";

const AT = Date.parse("2026-11-29T14:05:00Z");
const HOUR = "2026-11-29T14";
const gw = { runtime: { defer: () => {} } } as unknown as Gateway;
const call = {} as FinishedCall;

const hit = (policy: string, rule: string, action: GuardHit["action"], count = 1): GuardHit => ({ policy, rule, stage: "input", action, count });

function record(guardrails?: GuardHit[]): CallRecord {
  return { requestId: "r", endpoint: "chat", status: 200, stream: false, startedAt: AT, durationMs: 100, principal: "key_a", provider: "openai", model: "gpt-4o-mini", guardrails };
}

describe("guardrail counters", () => {
  it("count each policy and action once per call, whatever the rules, stages and matches; ignore counts nowhere", () => {
    const hits = [
      hit("pii", "emails", "redact", 5),
      hit("pii", "phones", "redact", 2),
      { ...hit("pii", "cards", "redact"), stage: "output" as const },
      hit("pii", "ssn", "block"),
      hit("toxicity", "judge", "flag"),
      hit("audit", "words", "ignore", 9),
    ];
    expect(guardrailCounters(hits)).toEqual({ "pii:redact": 1, "pii:block": 1, "toxicity:flag": 1 });
  });

  it("are absent without hits, or with only ignored ones", () => {
    expect(guardrailCounters(undefined)).toBeUndefined();
    expect(guardrailCounters([])).toBeUndefined();
    expect(guardrailCounters([hit("audit", "words", "ignore")])).toBeUndefined();
  });

  it("leave out a policy name the stores would refuse, never the call's row", () => {
    expect(guardrailCounters([hit("", "r", "block"), hit("p".repeat(201), "r", "flag"), hit("pii", "r", "flag")])).toEqual({ "pii:flag": 1 });
  });
});

/** A store that holds its first write until released: what arrives meanwhile waits in one batch. */
function heldStore() {
  const written: AnalyticsRow[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const store: AnalyticsStore = {
    add: async (row) => {
      written.push(structuredClone(row));
      if (written.length === 1) await held;
    },
    query: async () => [],
  };
  return { written, store, release };
}

describe("analytics observer", () => {
  it("a call with hits adds one to each of its policy:action counters; a call without adds none", async () => {
    const rows: AnalyticsRow[] = [];
    const store: AnalyticsStore = { add: async (row) => void rows.push(structuredClone(row)), query: async () => [] };
    const observe = analyticsObserver(gw, store);
    await observe(record([hit("pii", "emails", "redact", 3), hit("pii", "phones", "redact"), hit("tox", "judge", "flag")]), call);
    await observe(record(), call);
    expect(rows[0]).toMatchObject({ hour: HOUR, keyId: "key_a", requests: 1, guardrails: { "pii:redact": 1, "tox:flag": 1 } });
    expect(rows[1]).not.toHaveProperty("guardrails");
  });

  it("calls merged while a write is in flight add their counters together", async () => {
    const { written, store, release } = heldStore();
    const observe = analyticsObserver(gw, store);
    const first = observe(record(), call);
    const later = [
      observe(record([hit("pii", "emails", "redact", 4)]), call),
      observe(record([hit("pii", "emails", "redact"), hit("secrets", "keys", "block")]), call),
      observe(record([hit("audit", "words", "ignore")]), call),
    ];
    release();
    await Promise.all([first, ...later]);
    expect(written).toHaveLength(2);
    expect(written[0]).not.toHaveProperty("guardrails");
    expect(written[1]).toMatchObject({ requests: 3, guardrails: { "pii:redact": 2, "secrets:block": 1 } });
  });

  it("calls merged into a waiting batch add up every counter, their tokens and both histograms", async () => {
    const { written, store, release } = heldStore();
    const observe = analyticsObserver(gw, store);
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
    observe(record(), call);
    observe({ ...record(), status: 429, durationMs: 2 }, call);
    observe({ ...record(), status: 502, durationMs: 100, ttfbMs: 40, usage, costMicros: 7 }, call);
    observe({ ...record(), cache: "HIT", durationMs: 1, usage, costMicros: 0 }, call);
    observe({ ...record(), ttfbMs: 40, usage, costMicros: 3 }, call);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(written).toHaveLength(2);
    expect(written[1]).toEqual({
      hour: HOUR,
      keyId: "key_a",
      provider: "openai",
      model: "gpt-4o-mini",
      requests: 4,
      errors4xx: 1,
      errors5xx: 1,
      cacheHits: 1,
      tokensIn: 20,
      tokensOut: 10,
      tokensCached: 0,
      costMicros: 10,
      latency: { 0: 1, 4: 1, 27: 2 } as Record<string, number>,
      ttfb: { 22: 2 } as Record<string, number>,
    });
  });

  it("through a store, counters of calls in one hour add up across policies", async () => {
    const store = memoryStore().analytics!;
    const observe = analyticsObserver(gw, store);
    await observe(record([hit("pii", "emails", "redact")]), call);
    await observe(record([hit("pii", "emails", "redact"), hit("pii", "ssn", "block")]), call);
    await observe(record([hit("tox", "judge", "flag")]), call);
    const [row] = await store.query({ from: HOUR, to: HOUR, keyId: "key_a" });
    expect(row).toMatchObject({ requests: 3, guardrails: { "pii:redact": 2, "pii:block": 1, "tox:flag": 1 } });
  });
});
