/**
 * A keyed request as fast as an open one: on the local server, which owns its store, a cached key
 * with rpm, tpm and a budget costs no store round trip before its answer; usage and spend are
 * written behind it, and the day's spend survives a restart.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config.js";
import { hashKey } from "../../core/keys/generate.js";
import { silentLogger } from "../../core/runtime.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";
import { startServer } from "../../functions/node/server.js";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { createTables } from "../../core/store/dynamodb/tables.js";
import { createNodeStore, startDynalite } from "../../functions/node/store.js";
import { sendJson, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { ADMIN_TOKEN, admin, chat } from "./keys-helpers.js";

const USAGE = { prompt_tokens: 40, completion_tokens: 20, total_tokens: 60 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The store with every call counted (method name → calls). */
function counted(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const wrap = <T extends object>(part: T, name: string): T =>
    new Proxy(part, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? (...args: unknown[]) => (calls.push(`${name}.${String(prop)}`), v.apply(target, args)) : v;
      },
    });
  return { store: { keys: wrap(store.keys, "keys"), cache: wrap(store.cache, "cache"), limits: wrap(store.limits, "limits"), usage: wrap(store.usage, "usage"), responses: wrap(store.responses, "responses") }, calls };
}

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream((_req, res) =>
    sendJson(res, 200, { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: USAGE }),
  );
});
afterAll(() => upstream?.close());

const file = () => ({ providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-gateway-key-123456"] } }, prices: { "openai/m": { input: 1000, output: 1000 } } });
const env = { STRAIT_ADMIN_TOKEN: ADMIN_TOKEN };

describe("the local server counts in its own memory", () => {
  it("hashes keys with Node's native SHA-256, which matches the core's own (keys made on one runtime work on another)", async () => {
    const key = "sk-strait-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
    expect(createHash("sha256").update(key).digest("hex")).toBe(await hashKey(key));
  });

  it("a cached key with rpm, tpm and a budget: no store round trip before the answer", async () => {
    const { store, calls } = counted(memoryStore());
    const gw = await startServer({ config: loadConfig(file(), env, { allowOpen: true }), host: "127.0.0.1", port: 0, log: silentLogger, env, store, ownsCounters: true, writeBehindMs: 60_000 });
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "hot", rpm: 1000, tpm: 1_000_000, budget: { usd: 100, period: "day" } });
      const first = await chat(gw, k.key, "openai/m"); // looks the key up, reads the day's spend once
      expect(first.status).toBe(200);
      // While the spend was read, nothing was counted twice: the request counted once.
      expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("999");
      await sleep(50);
      calls.length = 0;
      for (let i = 0; i < 20; i++) expect((await chat(gw, k.key, "openai/m")).status).toBe(200);
      expect(calls).toEqual([]);
      expect((await chat(gw, k.key, "openai/m")).headers.get("x-ratelimit-remaining-requests")).toBe("978");
    } finally {
      await gw.close();
    }
  });

  it("on a shared store (DynamoDB, here dynalite) a request costs one round trip before its answer: the rpm hit", async () => {
    const db = await startDynalite();
    const tables = { keys: "hp-keys", cache: "hp-cache", limits: "hp-limits", usage: "hp-usage", responses: "hp-responses", logs: "hp-logs" };
    await createTables(db.client, tables, { ttl: false });
    const { store, calls } = counted(dynamodbStore({ client: db.client, tables, transactions: false }));
    const gw = await startServer({ config: loadConfig(file(), env, { allowOpen: true }), host: "127.0.0.1", port: 0, log: silentLogger, env, store });
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "shared", rpm: 1000, tpm: 1_000_000, budget: { usd: 100, period: "day" } });
      // In the first seconds of a minute the previous window's final count is still re-read (beside
      // the hit, in the same round trip): stay clear of that, as the limits tests do.
      const into = Date.now() % 60_000;
      if (into < 3_000 || into > 58_000) await sleep(((63_000 - into) % 60_000) + 50);
      expect((await chat(gw, k.key, "openai/m")).status).toBe(200); // reads the key, the token and spend counts
      await sleep(200);
      calls.length = 0;
      const started = Date.now();
      const n = 10;
      for (let i = 0; i < n; i++) expect((await chat(gw, k.key, "openai/m")).status).toBe(200);
      await sleep(50);
      const hits = calls.filter((c) => c === "limits.hit").length;
      const reads = calls.filter((c) => c === "limits.get" || c.startsWith("keys.")).length;
      expect(hits).toBe(n);
      // Token and spend counts are re-read at most once a second, behind an answer.
      expect(reads).toBeLessThanOrEqual(2 * Math.ceil((Date.now() - started) / 1000)); // the tpm and spend counts
      // The rest is after the answers: usage rows and the token and spend counters.
      expect(calls.filter((c) => c !== "limits.hit" && c !== "limits.get" && !c.startsWith("keys.")).every((c) => c === "usage.add" || c === "limits.add")).toBe(true);
    } finally {
      await gw.close();
      await db.close();
    }
  });

  it("exactly rpm of 200 concurrent requests are admitted", async () => {
    const gw = await startServer({ config: loadConfig(file(), env, { allowOpen: true }), host: "127.0.0.1", port: 0, log: silentLogger, env, store: memoryStore(), ownsCounters: true });
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "exact", rpm: 50 });
      const into = Date.now() % 60_000;
      if (into > 50_000) await sleep(60_000 - into + 50);
      const statuses = await Promise.all(Array.from({ length: 200 }, () => chat(gw, k.key, "openai/m").then((r) => r.status)));
      expect(statuses.filter((s) => s === 200)).toHaveLength(50);
      expect(statuses.filter((s) => s === 429)).toHaveLength(150);
    } finally {
      await gw.close();
    }
  });

  it("the day's spend is written behind the answers and survives a restart on the embedded store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strait-spend-"));
    const storeEnv = { STRAIT_DATA_DIR: dir };
    try {
      let node = await createNodeStore(storeEnv, silentLogger);
      let gw = await startServer({ config: loadConfig(file(), env, { allowOpen: true }), host: "127.0.0.1", port: 0, log: silentLogger, env, store: node.store, ownsCounters: node.ownsCounters, writeBehindMs: 1000 });
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "spender", budget: { usd: 0.1, period: "day" } });
      // 60 tokens at $1000 per 1M: $0.06 a call; the second call takes the key past its $0.10.
      for (let i = 0; i < 2; i++) expect((await chat(gw, k.key, "openai/m")).status).toBe(200);
      await gw.close(); // flushes the writes behind
      await node.close();

      node = await createNodeStore(storeEnv, silentLogger);
      gw = await startServer({ config: loadConfig(file(), env, { allowOpen: true }), host: "127.0.0.1", port: 0, log: silentLogger, env, store: node.store, ownsCounters: node.ownsCounters, writeBehindMs: 1000 });
      try {
        const refused = await chat(gw, k.key, "openai/m");
        expect(refused.status).toBe(429);
        expect(refused.json.error.code).toBe("budget_exceeded");
        expect((await admin(gw, "GET", `/admin/keys/${k.id}`)).json.spend.day).toBeCloseTo(0.12);
      } finally {
        await gw.close();
        await node.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
