/** The store contract, run inside workerd against Workers KV + the StoreObject Durable Object, and against DynamoDB over fetch. */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { cloudflareStore, type StoreObject } from "../../../core/store/cloudflare/index.js";
import { KV_MIN_TTL_SECONDS } from "../../../core/store/cloudflare/kv-cache.js";
import type { KV } from "../../../core/store/cloudflare/bindings.js";
import { migrate } from "../../../core/store/cloudflare/store-object.js";
import { dynamodbStore, dynamodbClient } from "../../../core/store/dynamodb/index.js";
import { describeStoreContract, keyRecord } from "../../store/contract.js";
import { DYNAMO_CONTRACT_TABLES } from "../shared.js";

const kv = env.STRAIT_KV!;
const objects = env.STRAIT_OBJECTS!;

describeStoreContract("cloudflare (KV + Durable Object, in workerd)", (now) => cloudflareStore({ kv, objects, now }));

describeStoreContract("dynamodb from a Worker (AWS SDK on fetch → dynalite)", (now) =>
  dynamodbStore({
    client: dynamodbClient({ STRAIT_DYNAMODB_ENDPOINT: inject("dynamoEndpoint"), AWS_REGION: "local", AWS_ACCESS_KEY_ID: "worker", AWS_SECRET_ACCESS_KEY: "worker" }),
    tables: DYNAMO_CONTRACT_TABLES,
    transactions: false,
    now,
  }),
);

describe("cloudflare store specifics", () => {
  const store = cloudflareStore({ kv, objects });

  it("writes a key under its id and its hash, and a rotation removes the old hash entry from KV", async () => {
    const rec = keyRecord();
    await store.keys.put(rec);
    expect(JSON.parse((await kv.get(`vk:id:${rec.id}`, "text"))!)).toEqual(rec);
    expect(JSON.parse((await kv.get(`vk:hash:${rec.hash}`, "text"))!)).toEqual(rec);
    const rotated = { ...rec, hash: "f".repeat(64) };
    await store.keys.put(rotated);
    expect(await kv.get(`vk:hash:${rec.hash}`, "text")).toBeNull();
  });

  it("rounds a cache TTL under a minute up to KV's minimum and keeps the exact expiry in metadata", async () => {
    const before = Date.now();
    await store.cache.put("short", "v", 5);
    const { value, metadata } = await kv.getWithMetadata<{ expiresAt: number }>("cache:short", "text");
    expect(value).toBe("v");
    expect(metadata!.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(metadata!.expiresAt).toBeLessThan(before + KV_MIN_TTL_SECONDS * 1000);
    const listed = await kv.list({ prefix: "cache:short" });
    expect(listed.keys[0]!.expiration! * 1000).toBeGreaterThanOrEqual(before + KV_MIN_TTL_SECONDS * 1000 - 1000);
  });

  it("stores a cache key longer than KV allows under its hash", async () => {
    const key = "k".repeat(2000);
    await store.cache.put(key, "long", 60);
    expect(await store.cache.get(key)).toBe("long");
  });

  it("a prefixed purge finds only entries under their own name; purging everything takes the hashed ones too", async () => {
    const tenant = `key:key_${crypto.randomUUID().replaceAll("-", "")}`;
    const long = `${tenant}/${"k".repeat(600)}`;
    await store.cache.put(long, "long", 60);
    await store.cache.put(`${tenant}/short`, "short", 60);
    expect(await store.cache.purge(`${tenant}/`)).toBe(1);
    expect(await store.cache.get(long)).toBe("long");
    expect(await store.cache.purge()).toBeGreaterThanOrEqual(1);
    expect(await store.cache.get(long)).toBeNull();
    expect((await kv.list({ prefix: "cache" })).keys).toEqual([]);
  });

  it("keeps a stored response under resp:<tenant>/<id>, exact expiry in metadata, out of the cache's purge", async () => {
    const rec = { id: `resp_${crypto.randomUUID()}`, tenant: "key:key_kv", createdAt: 1, response: '{"a":"é"}', items: "[]" };
    const before = Date.now();
    await store.responses.put(rec, 5);
    const { value, metadata } = await kv.getWithMetadata<{ expiresAt: number }>(`resp:key:key_kv/${rec.id}`, "text");
    expect(value).toContain('{"a":"é"}[]');
    expect(metadata!.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(metadata!.expiresAt).toBeLessThan(before + KV_MIN_TTL_SECONDS * 1000);
    await store.cache.purge();
    expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
  });

  it("stores a response whose key is longer than KV allows under its hash, still scoped to its tenant", async () => {
    const rec = { id: `resp_${"x".repeat(600)}`, tenant: "key:key_long", createdAt: 1, response: "{}", items: "[]" };
    await store.responses.put(rec, 60);
    expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
    expect(await store.responses.get("key:key_other", rec.id)).toBeNull();
    expect(await store.responses.delete(rec.tenant, rec.id)).toBe(true);
  });

  it("writes responses to their own namespace when one is given", async () => {
    const own = new Map<string, string>();
    const responsesKv = {
      getWithMetadata: async (k: string) => ({ value: own.get(k) ?? null, metadata: own.has(k) ? { expiresAt: Date.now() + 60_000 } : null }),
      put: async (k: string, v: string) => void own.set(k, v),
      delete: async (k: string) => void own.delete(k),
    } as unknown as KV;
    const split = cloudflareStore({ kv, objects, responsesKv });
    const rec = { id: `resp_${crypto.randomUUID()}`, tenant: "open", createdAt: 1, response: "{}", items: "[]" };
    await split.responses.put(rec, 60);
    expect([...own.keys()]).toEqual([`resp:open/${rec.id}`]);
    expect(await kv.get(`resp:open/${rec.id}`, "text")).toBeNull();
    expect(await split.responses.get("open", rec.id)).toEqual(rec);
  });

  it("an all-time spend counter (expiring centuries out) is counted, with no alarm past what Durable Objects accept", async () => {
    const key = `spend:key_${crypto.randomUUID()}:total`;
    const total = 1000 * 365 * 86_400_000; // periodWindow("total")
    expect(await store.limits.add(key, 0, total, 5)).toBe(5);
    expect(await store.limits.add(key, 0, total, 2)).toBe(7);
    expect(await store.limits.get(key, 0)).toBe(7);
    const stub = objects.get(objects.idFromName(`limit:${key}`));
    const alarm = await runInDurableObject(stub, (_o: StoreObject, state) => state.storage.getAlarm());
    expect(alarm === null || alarm < Date.now() + 400 * 86_400_000).toBe(true);
  });

  it("the alarm deletes expired windows and nothing else", async () => {
    const key = `alarm-${crypto.randomUUID()}`;
    const W = 1_000;
    const old = Math.floor((Date.now() - 10 * 60_000) / W) * W; // expired long ago
    const live = Math.floor(Date.now() / W) * W;
    const limits = cloudflareStore({ kv, objects, now: () => old + 10 }).limits;
    await limits.add(key, old, W, 3);
    await store.limits.add(key, live, 60_000, 4);
    const stub = objects.get(objects.idFromName(`limit:${key}`));
    const rows = () => runInDurableObject(stub, (_o: StoreObject, state) => state.storage.sql.exec("SELECT window_start FROM counters").toArray().map((r: any) => r.window_start));
    expect((await rows()).sort()).toEqual([old, live].sort());
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await rows()).toEqual([live]);
    expect(await store.limits.get(key, live)).toBe(4);
  });

  it("spreads usage over shards and still answers a query across all keys in order", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `key_shard_${i}_${crypto.randomUUID()}`);
    await Promise.all(ids.map((keyId) => store.usage.add({ keyId, day: "2030-01-02", model: "m", requests: 1, cacheHits: 0, tokensIn: 1, tokensOut: 1, costMicros: 1 })));
    const rows = (await store.usage.query({ from: "2030-01-02", to: "2030-01-02" })).filter((r) => ids.includes(r.keyId));
    expect(rows.map((r) => r.keyId)).toEqual([...ids].sort());
  });

  it("migrates a usage table from before cacheHits: old rows read 0 hits, and the migration is safe to repeat", async () => {
    const stub = objects.get(objects.idFromName(`migration:${crypto.randomUUID()}`));
    const call = async (o: StoreObject, op: string, body: unknown) =>
      (await o.fetch(new Request(`https://store-object/${op}`, { method: "POST", body: JSON.stringify(body) }))).json() as Promise<any>;
    await runInDurableObject(stub, async (o: StoreObject, state) => {
      const sql = state.storage.sql;
      // The table as the previous version created it, with a row in it.
      sql.exec("DROP TABLE usage");
      sql.exec(`CREATE TABLE usage (key_id TEXT NOT NULL, day TEXT NOT NULL, model TEXT NOT NULL, requests INTEGER NOT NULL, tokens_in INTEGER NOT NULL,
        tokens_out INTEGER NOT NULL, cost_micros INTEGER NOT NULL, PRIMARY KEY (key_id, day, model))`);
      sql.exec("INSERT INTO usage VALUES ('key_old', '2026-11-20', 'm', 3, 30, 60, 900)");
      migrate(sql);
      migrate(sql); // every start runs it
      const columns: string[] = sql.exec("PRAGMA table_info(usage)").toArray().map((c: any) => String(c.name));
      expect(columns.filter((c) => c === "cache_hits")).toHaveLength(1);
      const old = { keyId: "key_old", day: "2026-11-20", model: "m" };
      expect((await call(o, "usage-query", { keyId: "key_old" })).rows).toEqual([{ ...old, requests: 3, cacheHits: 0, tokensIn: 30, tokensOut: 60, costMicros: 900 }]);
      await call(o, "usage-add", { ...old, requests: 1, cacheHits: 1, tokensIn: 0, tokensOut: 0, costMicros: 0 });
      expect((await call(o, "usage-query", { keyId: "key_old" })).rows).toEqual([{ ...old, requests: 4, cacheHits: 1, tokensIn: 30, tokensOut: 60, costMicros: 900 }]);
    });
  });

  it("a refused call to the object is a StoreUnavailableError, so guards fail closed", async () => {
    await expect(store.limits.hit("k", Number.NaN, 1000, 1, 1)).rejects.toMatchObject({ name: "StoreUnavailableError", code: "DurableObjectError" });
  });
});
