/** The request log and hourly analytics of the Cloudflare store, inside workerd: StoreObject SQLite, sharded. */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { DurableObjectNamespaceLike } from "../../../core/store/cloudflare/bindings.js";
import { cloudflareStore, type StoreObject } from "../../../core/store/cloudflare/index.js";
import { MAX_LOG_ENTRY_BYTES } from "../../../core/store/cloudflare/log-table.js";
import { LOG_SHARDS, logShard } from "../../../core/store/cloudflare/logs.js";
import { usageShard } from "../../../core/store/cloudflare/counters.js";
import { migrate } from "../../../core/store/cloudflare/store-object.js";
import { encodeLogCursor } from "../../../core/store/log-rules.js";
import type { AnalyticsRow, LogEntry, Store } from "../../../core/store/types.js";
import type { GuardHit } from "../../../core/types.js";

const kv = env.STRAIT_KV!;
const objects = env.STRAIT_OBJECTS!;
const HOUR = 3_600_000;

let time: number;
let store: Store;
beforeEach(() => {
  time = Date.now();
  store = cloudflareStore({ kv, objects, now: () => time });
});

const uid = () => crypto.randomUUID().replaceAll("-", "");

function logEntry(over: Partial<LogEntry> = {}): LogEntry {
  return {
    id: `01${uid().toUpperCase()}`,
    at: time,
    expiresAt: time + 86_400_000,
    principal: "open",
    route: "chat",
    status: 200,
    stream: false,
    tokens: { in: 10, out: 20, cachedRead: 0, cachedWrite: 0, reasoning: 0 },
    costMicros: 7,
    priced: true,
    durationMs: 42,
    retries: 0,
    ...over,
  };
}

/** An entry whose id lands in the given shard. */
function inShard(shard: number, over: Partial<LogEntry> = {}): LogEntry {
  for (;;) {
    const e = logEntry(over);
    if (logShard(e.id) === shard) return e;
  }
}

/** Every entry the filter finds, page by page, checking each page's size. */
async function listAll(filter: Parameters<NonNullable<Store["logs"]>["list"]>[0], limit: number): Promise<LogEntry[]> {
  const all: LogEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.logs!.list(filter, cursor, limit);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

const shardStub = (id: string) => objects.get(objects.idFromName(`logs:${logShard(id)}`));

describe("cloudflare request log", () => {
  it("puts a batch and gets every entry back whole; an unknown id is null", async () => {
    const full = logEntry({
      keyId: "key_a",
      keyName: "team a",
      provider: "openai",
      model: "fast",
      servedModel: "gpt-4o-mini",
      step: 1,
      cache: "MISS",
      stream: true,
      ttfbMs: 120,
      metadata: { team: "search", n: 3, ok: true },
      requestBody: '{"messages":[{"role":"user","content":"é✓"}]}',
      responseBody: "hi",
    });
    const plain = logEntry({ status: 502, errorCode: "upstream_error", error: "bad gateway" });
    await store.logs!.put([full, plain]);
    expect(await store.logs!.get(full.id)).toEqual(full);
    expect(await store.logs!.get(plain.id)).toEqual(plain);
    expect(await store.logs!.get(`01${uid()}`)).toBeNull();
  });

  it("a batch costs one call per shard it touches, and a read asks the entry's own shard alone", async () => {
    const names: string[] = [];
    const counting: DurableObjectNamespaceLike = {
      idFromName: (name) => (names.push(name), objects.idFromName(name)),
      get: (id) => objects.get(id),
    };
    const logs = cloudflareStore({ kv, objects: counting, now: () => time }).logs!;
    const entries = Array.from({ length: 40 }, () => logEntry());
    await logs.put(entries);
    const shards = new Set(entries.map((e) => logShard(e.id)));
    expect(shards.size).toBeGreaterThan(1);
    expect(names.sort()).toEqual([...shards].map((i) => `logs:${i}`).sort());
    names.length = 0;
    await logs.get(entries[0]!.id);
    expect(names).toEqual([`logs:${logShard(entries[0]!.id)}`]);
  });

  it("lists newest first across shards, ties by id, and pages through every entry exactly once", async () => {
    const keyId = `key_${uid()}`;
    const entries = Array.from({ length: 37 }, (_, i) => logEntry({ keyId, at: time - Math.floor(i / 3) * 1000 }));
    await store.logs!.put(entries);
    const expected = [...entries].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)).map((e) => e.id);
    for (const limit of [1, 5, 12, 37, 1000]) expect((await listAll({ keyId }, limit)).map((e) => e.id)).toEqual(expected);
    const first = await store.logs!.list({ keyId }, undefined, 37);
    expect(first.items).toHaveLength(37);
    expect(first.cursor).toBeUndefined();
    expect((await store.logs!.list({ keyId })).items).toHaveLength(37); // default page: 50
  });

  it("filters by key, model asked or served, provider, status class, cache, metadata and time, with a cursor", async () => {
    const keyId = `key_${uid()}`;
    const other = `key_${uid()}`;
    const a = logEntry({ keyId, at: time - 3000, model: "fast", servedModel: "gpt-4o-mini", provider: "openai", cache: "MISS", metadata: { team: "a", n: 3, ok: true } });
    const b = logEntry({ keyId, at: time - 2000, model: "claude", provider: "anthropic", status: 429, cache: "BYPASS", metadata: { team: "b", 'we"ird.name': "x" } });
    const c = logEntry({ keyId, at: time - 1000, model: "gpt-4o-mini", provider: "openai", status: 503, cache: "HIT" });
    const d = logEntry({ keyId: other, at: time, model: "fast", provider: "openai" });
    await store.logs!.put([a, b, c, d]);
    const ids = async (filter: object, limit = 1) => (await listAll({ keyId, ...filter }, limit)).map((e) => e.id);
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect((await listAll({ keyId: other }, 10)).map((e) => e.id)).toEqual([d.id]);
    expect(await ids({ model: "gpt-4o-mini" })).toEqual([c.id, a.id]);
    expect(await ids({ provider: "openai" })).toEqual([c.id, a.id]);
    expect(await ids({ statusClass: 2 })).toEqual([a.id]);
    expect(await ids({ statusClass: 4 })).toEqual([b.id]);
    expect(await ids({ statusClass: 5 })).toEqual([c.id]);
    expect(await ids({ cache: "HIT" })).toEqual([c.id]);
    expect(await ids({ metadata: { name: "team", value: "a" } })).toEqual([a.id]);
    expect(await ids({ metadata: { name: "n", value: "3" } })).toEqual([a.id]);
    expect(await ids({ metadata: { name: "ok", value: "true" } })).toEqual([a.id]);
    expect(await ids({ metadata: { name: 'we"ird.name', value: "x" } })).toEqual([b.id]);
    expect(await ids({ metadata: { name: "team", value: "a' OR 1=1 --" } })).toEqual([]);
    expect(await ids({ metadata: { name: "$.team", value: "a" } })).toEqual([]);
    expect(await ids({ from: time - 2000, to: time - 1000 })).toEqual([c.id, b.id]);
    expect(await ids({ from: time - 2000, provider: "openai" })).toEqual([c.id]);
    expect(await ids({ model: "fast" })).toEqual([a.id]);
  });

  it("filters by a guardrail hit's policy or action, in SQL over the entry's own policies and actions", async () => {
    const keyId = `key_${uid()}`;
    const hit = (policy: string, action: GuardHit["action"]): GuardHit => ({ policy, rule: "r", stage: "input", action, count: 1 });
    const a = logEntry({ keyId, at: time - 3000, guardrails: [hit("pii", "redact"), hit("tox", "flag")] });
    const b = logEntry({ keyId, at: time - 2000, guardrails: [hit("pii", "block")] });
    const c = logEntry({ keyId, at: time - 1000, guardrails: [hit("we\"ird.pol", "ignore")] });
    const d = logEntry({ keyId, at: time });
    await store.logs!.put([a, b, c, d]);
    const ids = async (filter: object) => (await listAll({ keyId, ...filter }, 1)).map((e) => e.id);
    expect(await ids({ guardrail: "pii" })).toEqual([b.id, a.id]);
    expect(await ids({ guardrail: "tox" })).toEqual([a.id]);
    expect(await ids({ guardrail: "block" })).toEqual([b.id]);
    expect(await ids({ guardrail: "flag" })).toEqual([a.id]);
    expect(await ids({ guardrail: 'we"ird.pol' })).toEqual([c.id]);
    expect(await ids({ guardrail: "ignore" })).toEqual([c.id]);
    expect(await ids({ guardrail: "r" })).toEqual([]);
    expect(await ids({ guardrail: "pii' OR 1=1 --" })).toEqual([]);
    expect(await ids({ guardrail: "pii", from: time - 2500 })).toEqual([b.id]);
    // A patch leaves the hits, and what the filter finds, as they were.
    await store.logs!.patch(a.id, { feedback: 1 });
    expect(await ids({ guardrail: "tox" })).toEqual([a.id]);
  });

  it("a cursor that is not one the log made is a RangeError", async () => {
    const base64url = (text: string) => btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    // `[1,"x"]` is the form this log's cursors took before it shared the other adapters' cursor.
    for (const bad of ["", "not a cursor!", btoa("[1]"), base64url('{"at":1,"id":"x","shard":0}'), base64url('{"at":"1","id":"x"}'), base64url('[1,"x"]'), btoa("[1,2]"), btoa("\xff\xfe")]) {
      await expect(store.logs!.list({}, bad), bad).rejects.toThrow(RangeError);
    }
    await expect(store.logs!.list({}, "###")).rejects.toThrow(/invalid log cursor/);
    expect((await store.logs!.list({ keyId: `key_${uid()}` }, encodeLogCursor({ at: time, id: "x" }))).items).toEqual([]);
  });

  it("an expired entry is gone from get, list, patch and delete", async () => {
    const keyId = `key_${uid()}`;
    const short = logEntry({ keyId, expiresAt: time + 1000 });
    const long = logEntry({ keyId, at: time - 1 });
    await store.logs!.put([short, long]);
    expect((await listAll({ keyId }, 10)).map((e) => e.id)).toEqual([short.id, long.id]);
    time += 1000;
    expect(await store.logs!.get(short.id)).toBeNull();
    expect((await listAll({ keyId }, 10)).map((e) => e.id)).toEqual([long.id]);
    expect(await store.logs!.patch(short.id, { feedback: 1 })).toBeNull();
    expect(await store.logs!.delete(short.id)).toBe(false);
  });

  it("patches feedback, score and metadata (merged), and the metadata filter sees the change", async () => {
    const keyId = `key_${uid()}`;
    const e = logEntry({ keyId, metadata: { team: "a", n: 1 } });
    await store.logs!.put([e]);
    const patched = await store.logs!.patch(e.id, { feedback: -1, score: 80, metadata: { n: 2, extra: false } });
    const expected = { ...e, feedback: -1, score: 80, metadata: { team: "a", n: 2, extra: false } };
    expect(patched).toEqual(expected);
    expect(await store.logs!.get(e.id)).toEqual(expected);
    expect((await store.logs!.list({ keyId, metadata: { name: "n", value: "2" } })).items.map((x) => x.id)).toEqual([e.id]);
    expect((await store.logs!.list({ keyId, metadata: { name: "extra", value: "false" } })).items.map((x) => x.id)).toEqual([e.id]);
    expect(await store.logs!.patch(`01${uid()}`, { score: 1 })).toBeNull();
    await expect(store.logs!.patch(e.id, { feedback: 2 as 1 })).rejects.toThrow(RangeError);
    await expect(store.logs!.patch(e.id, { score: 101 })).rejects.toThrow(RangeError);
    await expect(store.logs!.patch(e.id, { metadata: { bad: { nested: 1 } as unknown as string } })).rejects.toThrow(RangeError);
  });

  it("deletes an entry once", async () => {
    const e = logEntry();
    await store.logs!.put([e]);
    expect(await store.logs!.delete(e.id)).toBe(true);
    expect(await store.logs!.get(e.id)).toBeNull();
    expect(await store.logs!.delete(e.id)).toBe(false);
  });

  it("cuts the bodies of an entry too large for a row, and marks it truncated; its guardrail hits stay whole", async () => {
    const guardrails: GuardHit[] = [{ policy: "pii", rule: "emails", stage: "input", action: "redact", count: 40_000, labels: ["EMAIL"] }];
    const e = logEntry({ requestBody: "q".repeat(3_000_000), responseBody: "é".repeat(400_000), guardrails });
    await store.logs!.put([e]);
    const got = (await store.logs!.get(e.id))!;
    expect(got.truncated).toBe(true);
    expect(got.guardrails).toEqual(guardrails);
    expect((await listAll({ guardrail: "pii", from: e.at, to: e.at }, 10)).map((x) => x.id)).toContain(e.id);
    expect(new TextEncoder().encode(JSON.stringify(got)).length).toBeLessThanOrEqual(MAX_LOG_ENTRY_BYTES);
    expect(got.responseBody).toBe(e.responseBody);
    expect(e.requestBody!.startsWith(got.requestBody!)).toBe(true);
    expect(got.requestBody!.length).toBeGreaterThan(1_000_000);
  });

  it("pages of large entries stop at the shards' byte budget and still list every entry once", async () => {
    const keyId = `key_${uid()}`;
    // All in one shard, so that its page holds more than its byte budget.
    const entries = Array.from({ length: 6 }, (_, i) => inShard(0, { keyId, at: time - i, responseBody: "r".repeat(1_500_000) }));
    await store.logs!.put(entries);
    const first = await store.logs!.list({ keyId }, undefined, 6);
    expect(first.items.length).toBeLessThan(6);
    expect(first.cursor).toBeDefined();
    expect((await listAll({ keyId }, 6)).map((e) => e.id)).toEqual(entries.map((e) => e.id));
  });

  it("the alarm deletes expired entries and keeps live ones", async () => {
    const live = logEntry();
    // Expired a while ago by the real clock, which the alarm goes by; in the same shard as `live`.
    const dead = inShard(logShard(live.id), { at: Date.now() - 3 * HOUR, expiresAt: Date.now() - 2 * HOUR });
    await store.logs!.put([live, dead]);
    const stub = shardStub(live.id);
    const held = () =>
      runInDurableObject(stub, (_o: StoreObject, state) =>
        state.storage.sql.exec("SELECT id FROM logs WHERE id IN (?, ?)", live.id, dead.id).toArray().map((r: any) => r.id).sort(),
      );
    expect(await held()).toEqual([live.id, dead.id].sort());
    const alarm = await runInDurableObject(stub, (_o: StoreObject, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await held()).toEqual([live.id]);
    // The next sweep is set for the hour after the earliest live entry expires.
    const next = await runInDurableObject(stub, (_o: StoreObject, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now());
  });

  it("an entry kept longer than any alarm reaches still gets one, a year ahead", async () => {
    const stub = objects.get(objects.idFromName(`alarm-cap:${uid()}`));
    const far = logEntry({ expiresAt: Date.now() + 3 * 365 * 86_400_000 });
    const res = await stub.fetch("https://store-object/log-put", { method: "POST", body: JSON.stringify({ entries: [far], now: time }) });
    expect(res.status).toBe(200);
    const alarm = await runInDurableObject(stub, (_o: StoreObject, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 364 * 86_400_000);
    expect(alarm).toBeLessThanOrEqual(Date.now() + 365 * 86_400_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_o: StoreObject, state) => state.storage.getAlarm())).toBeGreaterThan(Date.now() + 364 * 86_400_000);
  });

  it("every list asks each shard once; a page of one key reads the (key_id, at) index", async () => {
    const names: string[] = [];
    const counting: DurableObjectNamespaceLike = {
      idFromName: (name) => (names.push(name), objects.idFromName(name)),
      get: (id) => objects.get(id),
    };
    await cloudflareStore({ kv, objects: counting, now: () => time }).logs!.list({ keyId: "key_x" });
    expect(names.sort()).toEqual(Array.from({ length: LOG_SHARDS }, (_, i) => `logs:${i}`).sort());
    const plan = (query: string, ...params: unknown[]) =>
      runInDurableObject(objects.get(objects.idFromName("logs:0")), (_o: StoreObject, state) =>
        state.storage.sql.exec(`EXPLAIN QUERY PLAN ${query}`, ...params).toArray().map((r: any) => String(r.detail)).join("; "),
      );
    const page = "SELECT entry FROM logs WHERE expires_at > ? AND key_id = ? AND at <= ? AND (at < ? OR id < ?) ORDER BY at DESC, id DESC LIMIT ?";
    expect(await plan(page, 0, "k", 1, 1, "x", 51)).toMatch(/USING INDEX logs_key_at \(key_id=\? AND at<\?\)/);
    expect(await plan("SELECT entry FROM logs WHERE expires_at > ? ORDER BY at DESC, id DESC LIMIT ?", 0, 51)).toMatch(/USING INDEX logs_at/);
  });

  it("the object itself refuses a malformed entry, filter or patch (a 400), whatever the Worker checked", async () => {
    const stub = objects.get(objects.idFromName(`log-refusal:${uid()}`));
    const send = (op: string, input: unknown) => stub.fetch(`https://store-object/${op}`, { method: "POST", body: JSON.stringify({ now: time, ...(input as object) }) });
    const e = logEntry();
    expect((await send("log-put", { entries: [e, logEntry({ id: "not ascii é" })] })).status).toBe(400);
    expect((await send("log-put", { entries: [logEntry({ at: 1.5 })] })).status).toBe(400);
    expect(await (await send("log-get", { id: e.id })).json()).toEqual({ entry: null });
    expect((await send("log-put", { entries: [e] })).status).toBe(200);
    expect((await send("log-list", { filter: { statusClass: 7 }, limit: 10 })).status).toBe(400);
    expect((await send("log-list", { filter: { from: "yesterday" }, limit: 10 })).status).toBe(400);
    expect((await send("log-list", { filter: { guardrail: ["pii"] }, limit: 10 })).status).toBe(400);
    expect((await send("log-put", { entries: [logEntry({ guardrails: { policy: "pii" } as unknown as GuardHit[] })] })).status).toBe(400);
    expect((await send("log-put", { entries: [logEntry({ guardrails: [{ policy: 1 } as unknown as GuardHit] })] })).status).toBe(400);
    expect((await send("log-patch", { id: e.id, patch: { score: 101 } })).status).toBe(400);
    expect((await send("log-patch", { id: e.id, patch: { metadata: { bad: { nested: 1 } } } })).status).toBe(400);
    expect(await (await send("log-get", { id: e.id })).json()).toEqual({ entry: e });
  });

  it("the tables come with the object's start, and the migration is safe to repeat", async () => {
    const stub = objects.get(objects.idFromName(`migration:${uid()}`));
    const names = await runInDurableObject(stub, (_o: StoreObject, state) => {
      migrate(state.storage.sql);
      return state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name LIKE 'logs%' OR name LIKE 'analytics%'").toArray().map((r: any) => r.name).sort();
    });
    expect(names).toEqual(["analytics", "analytics_key_hour", "logs", "logs_at", "logs_expires_at", "logs_key_at"]);
  });

  it("migrates logs and analytics tables from before guardrails: old rows read without hits, new ones filter and add up", async () => {
    const stub = objects.get(objects.idFromName(`migration:${uid()}`));
    const call = async (o: StoreObject, op: string, body: unknown) => (await o.fetch(new Request(`https://store-object/${op}`, { method: "POST", body: JSON.stringify({ now: time, ...(body as object) }) }))).json() as Promise<any>;
    await runInDurableObject(stub, async (o: StoreObject, state) => {
      const sql = state.storage.sql;
      // The tables as the previous version created them, with a row in each.
      sql.exec("DROP TABLE logs");
      sql.exec(`CREATE TABLE logs (id TEXT PRIMARY KEY, at INTEGER NOT NULL, expires_at INTEGER NOT NULL, key_id TEXT, provider TEXT,
        model TEXT, served_model TEXT, status INTEGER NOT NULL, cache TEXT, metadata TEXT, entry TEXT NOT NULL)`);
      const old = logEntry({ keyId: "key_old", at: time - 1 });
      sql.exec("INSERT INTO logs VALUES (?, ?, ?, 'key_old', NULL, NULL, NULL, 200, NULL, NULL, ?)", old.id, old.at, old.expiresAt, JSON.stringify(old));
      sql.exec("DROP TABLE analytics");
      sql.exec(`CREATE TABLE analytics (hour TEXT NOT NULL, key_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
        requests INTEGER NOT NULL, errors_4xx INTEGER NOT NULL, errors_5xx INTEGER NOT NULL, cache_hits INTEGER NOT NULL,
        tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL, tokens_cached INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
        latency TEXT NOT NULL, ttfb TEXT NOT NULL, PRIMARY KEY (hour, key_id, provider, model))`);
      const row = analyticsRow({ keyId: "key_old" });
      sql.exec("INSERT INTO analytics VALUES (?, 'key_old', 'openai', 'gpt-4o-mini', 1, 0, 0, 0, 10, 20, 2, 30, '{\"20\":1}', '{\"10\":1}')", row.hour);
      migrate(sql);
      migrate(sql); // every start runs it
      for (const table of ["logs", "analytics"]) {
        const columns: string[] = sql.exec(`PRAGMA table_info(${table})`).toArray().map((c: any) => String(c.name));
        expect(columns.filter((c) => c === "guardrails"), table).toHaveLength(1);
      }
      expect((await call(o, "log-get", { id: old.id })).entry).toEqual(old);
      const fresh = logEntry({ keyId: "key_old", guardrails: [{ policy: "pii", rule: "r", stage: "input", action: "block", count: 1 }] });
      await call(o, "log-put", { entries: [fresh] });
      expect((await call(o, "log-list", { filter: { keyId: "key_old" }, limit: 10 })).entries.map((e: LogEntry) => e.id)).toEqual([fresh.id, old.id]);
      expect((await call(o, "log-list", { filter: { guardrail: "block" }, limit: 10 })).entries.map((e: LogEntry) => e.id)).toEqual([fresh.id]);
      const query = { from: row.hour, to: row.hour, keyId: "key_old" };
      expect((await call(o, "analytics-query", query)).rows).toEqual([row]);
      await call(o, "analytics-add", { ...row, guardrails: { "pii:block": 1 } });
      expect((await call(o, "analytics-query", query)).rows).toEqual([{ ...row, requests: 2, tokensIn: 20, tokensOut: 40, tokensCached: 4, costMicros: 60, latency: { "20": 2 }, ttfb: { "10": 2 }, guardrails: { "pii:block": 1 } }]);
    });
  });
});

function analyticsRow(over: Partial<AnalyticsRow> = {}): AnalyticsRow {
  return {
    hour: "2031-03-04T05",
    keyId: `key_${uid()}`,
    provider: "openai",
    model: "gpt-4o-mini",
    requests: 1,
    errors4xx: 0,
    errors5xx: 0,
    cacheHits: 0,
    tokensIn: 10,
    tokensOut: 20,
    tokensCached: 2,
    costMicros: 30,
    latency: { "20": 1 },
    ttfb: { "10": 1 },
    ...over,
  };
}

describe("cloudflare hourly analytics", () => {
  it("adds into the row of its hour, key, provider and model, histograms merged", async () => {
    const row = analyticsRow();
    await store.analytics!.add(row);
    await store.analytics!.add({ ...row, requests: 2, errors5xx: 1, cacheHits: 1, tokensIn: 5, costMicros: 1.5, latency: { "20": 2, "30": 1 }, ttfb: {} });
    await store.analytics!.add({ ...row, model: "gpt-4o" });
    const rows = await store.analytics!.query({ from: row.hour, to: row.hour, keyId: row.keyId });
    expect(rows.sort((a, b) => (a.model < b.model ? -1 : 1))).toEqual([
      { ...row, model: "gpt-4o" },
      { ...row, requests: 3, errors5xx: 1, cacheHits: 1, tokensIn: 15, tokensOut: 40, tokensCached: 4, costMicros: 31.5, latency: { "20": 3, "30": 1 }, ttfb: { "10": 1 } },
    ]);
  });

  it("merges guardrail counters into the row's JSON column, null until the row has one", async () => {
    const row = analyticsRow();
    await store.analytics!.add(row);
    const stored = () =>
      runInDurableObject(objects.get(objects.idFromName(`analytics:${usageShard(row.keyId)}`)), (_o: StoreObject, state) =>
        state.storage.sql.exec("SELECT guardrails FROM analytics WHERE key_id = ?", row.keyId).one().guardrails,
      );
    expect(await stored()).toBeNull();
    await store.analytics!.add({ ...row, guardrails: { "pii:redact": 1 } });
    await store.analytics!.add({ ...row, guardrails: { "pii:redact": 2, "tox:flag": 1 } });
    await store.analytics!.add(row);
    expect(JSON.parse(String(await stored()))).toEqual({ "pii:redact": 3, "tox:flag": 1 });
    const [got] = await store.analytics!.query({ from: row.hour, to: row.hour, keyId: row.keyId });
    expect(got!.guardrails).toEqual({ "pii:redact": 3, "tox:flag": 1 });
    expect(got!.requests).toBe(4);
  });

  it("50 adds at once to one row lose no count", async () => {
    const row = analyticsRow();
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.analytics!.add({ ...row, latency: { [String(i % 5)]: 1 } })));
    const [got] = await store.analytics!.query({ from: row.hour, to: row.hour, keyId: row.keyId });
    expect(got!.requests).toBe(50);
    expect(got!.latency).toEqual({ "0": 10, "1": 10, "2": 10, "3": 10, "4": 10 });
  });

  it("queries an inclusive hour range, of one key or of all keys across shards", async () => {
    const keys = Array.from({ length: 10 }, () => `key_${uid()}`);
    const hours = ["2032-01-01T23", "2032-01-02T00", "2032-01-02T01"];
    await Promise.all(keys.flatMap((keyId) => hours.map((hour) => store.analytics!.add(analyticsRow({ keyId, hour })))));
    const mine = (rows: AnalyticsRow[]) => rows.filter((r) => keys.includes(r.keyId));
    expect(mine(await store.analytics!.query({ from: "2032-01-02T00", to: "2032-01-02T01" }))).toHaveLength(20);
    expect(mine(await store.analytics!.query({ from: "2032-01-01T00", to: "2032-01-01T23" }))).toHaveLength(10);
    const one = await store.analytics!.query({ from: "2032-01-01T00", to: "2032-12-31T23", keyId: keys[3]! });
    expect(one.map((r) => r.hour).sort()).toEqual(hours);
  });

  it("the object itself refuses a malformed row (a 400), whatever the Worker checked", async () => {
    const stub = objects.get(objects.idFromName(`analytics-refusal:${uid()}`));
    const send = (row: unknown) => stub.fetch("https://store-object/analytics-add", { method: "POST", body: JSON.stringify(row) });
    const row = analyticsRow();
    expect((await send({ ...row, hour: "2031-03-04 05:00" })).status).toBe(400);
    expect((await send({ ...row, latency: JSON.parse('{"__proto__":1}') })).status).toBe(400);
    expect((await send({ ...row, ttfb: { "81": 1 } })).status).toBe(400);
    expect((await send({ ...row, requests: "1" })).status).toBe(400);
    expect((await send({ ...row, guardrails: { "pii:ignore": 1 } })).status).toBe(400);
    expect((await send({ ...row, guardrails: { "pii:block": "1" } })).status).toBe(400);
    expect((await (await stub.fetch("https://store-object/analytics-query", { method: "POST", body: JSON.stringify({ from: "2031-01-01T00", to: "2031-12-31T23" }) })).json()) as unknown).toEqual({ rows: [] });
  });
});
