/**
 * The Store contract: every adapter (memory, DynamoDB on dynalite and DynamoDB Local, Cloudflare)
 * must pass these cases. Usage from a *.test.ts file:
 *
 *   describeStoreContract("memory", (now) => memoryStore({ now }));
 *
 * `makeStore(now)` is called before each case with a fake clock (ms since the epoch) that the
 * cases move forward; the adapter must read time only from it. The store may share its backend
 * with other cases: every case uses fresh random ids and only asserts about its own data.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { cachePrefixOfKey, cacheTenantOfKey } from "../../core/store/cache-prefix.js";
import { ResponseTooLargeError, type Store, type StoredResponse, type UsageRow, type VirtualKeyRecord } from "../../core/store/types.js";

export type StoreFactory = (now: () => number) => Store | Promise<Store>;

export interface ContractOptions {
  /** Cases this backend cannot run, with the reason (printed). Use only for a real platform gap. */
  skip?: Record<string, string>;
}

const rand = () => Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
const hex = () => Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");

export function keyRecord(over: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord {
  const t = new Date().toISOString();
  return { id: `key_${rand()}`, hash: hex(), hint: "sk-strait-ab12", name: "test", createdAt: t, updatedAt: t, ...over };
}

/** Text that barely compresses (random over 64 characters, some of them two and three bytes in UTF-8), `units` UTF-16 units long. */
export function noise(units: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789é✓";
  const parts: string[] = [];
  for (let done = 0; done < units; done += 65_536) {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.min(65_536, units - done)));
    parts.push(Array.from(bytes, (b) => alphabet[b % alphabet.length]).join(""));
  }
  return parts.join("");
}

export function describeStoreContract(name: string, makeStore: StoreFactory, opts: ContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let time: number;
    const now = () => time;
    const advance = (ms: number) => {
      time += ms;
    };

    beforeEach(async () => {
      time = Date.now();
      store = await makeStore(now);
    });

    const test = (title: string, fn: () => Promise<void>) => {
      const reason = opts.skip?.[title];
      if (reason) {
        console.log(`[store contract ${name}] skipped "${title}": ${reason}`);
        it.skip(title, fn);
      } else it(title, fn);
    };

    describe("keys", () => {
      test("put, then get by id and by hash; unknown ones are null", async () => {
        const rec = keyRecord({
          owner: "alice@example.com",
          expiresAt: "2027-01-01T00:00:00.000Z",
          disabled: false,
          models: ["openai/*", "anthropic/claude-*"],
          rpm: 60,
          tpm: 100_000,
          maxParallel: 4,
          budget: { usd: 20, period: "month" },
          cacheTtlSeconds: 3600,
          metadata: { team: "search", "with space": "x y" },
          credentials: { openai: "sk-upstream-1" },
        });
        await store.keys.put(rec);
        expect(await store.keys.getById(rec.id)).toEqual(rec);
        expect(await store.keys.getByHash(rec.hash)).toEqual(rec);
        expect(await store.keys.getById(`key_${rand()}`)).toBeNull();
        expect(await store.keys.getByHash(hex())).toBeNull();
      });

      test("a returned record is a copy: changing it changes nothing stored", async () => {
        const rec = keyRecord({ models: ["a/*"] });
        await store.keys.put(rec);
        const got = (await store.keys.getById(rec.id))!;
        got.name = "changed";
        got.models!.push("b/*");
        rec.name = "changed too";
        expect((await store.keys.getByHash(rec.hash))!.name).toBe("test");
        expect((await store.keys.getById(rec.id))!.models).toEqual(["a/*"]);
      });

      test("put replaces: an update is seen by both lookups, absent fields are gone", async () => {
        const rec = keyRecord({ rpm: 10, owner: "bob" });
        await store.keys.put(rec);
        const { owner: _owner, ...rest } = rec;
        const updated = { ...rest, name: "renamed", rpm: 20, disabled: true, updatedAt: new Date(Date.now() + 1000).toISOString() };
        await store.keys.put(updated);
        expect(await store.keys.getById(rec.id)).toEqual(updated);
        expect(await store.keys.getByHash(rec.hash)).toEqual(updated);
      });

      test("rotation: after put with a new hash the old hash no longer resolves", async () => {
        const rec = keyRecord();
        await store.keys.put(rec);
        const rotated = { ...rec, hash: hex(), hint: "sk-strait-cd34" };
        await store.keys.put(rotated);
        expect(await store.keys.getByHash(rec.hash)).toBeNull();
        expect(await store.keys.getByHash(rotated.hash)).toEqual(rotated);
        expect((await store.keys.getById(rec.id))!.hash).toBe(rotated.hash);
      });

      test("concurrent rotations of one key leave exactly one valid hash, the one the record holds", async () => {
        const rec = keyRecord();
        await store.keys.put(rec);
        const hashes = Array.from({ length: 8 }, hex);
        await Promise.all(hashes.map((hash) => store.keys.put({ ...rec, hash })));
        const final = (await store.keys.getById(rec.id))!;
        expect(hashes).toContain(final.hash);
        const resolving = [];
        for (const h of [rec.hash, ...hashes]) if (await store.keys.getByHash(h)) resolving.push(h);
        expect(resolving).toEqual([final.hash]);
      });

      test("a rotation racing a delete leaves no hash that resolves without its record", async () => {
        for (let round = 0; round < 3; round++) {
          const rec = keyRecord();
          await store.keys.put(rec);
          const rotated = { ...rec, hash: hex() };
          await Promise.all([store.keys.put(rotated), store.keys.delete(rec.id)]);
          const final = await store.keys.getById(rec.id);
          expect(await store.keys.getByHash(rec.hash)).toBeNull();
          if (final) expect(await store.keys.getByHash(rotated.hash)).toEqual(final);
          else expect(await store.keys.getByHash(rotated.hash)).toBeNull();
        }
      });

      test("delete removes the record and the hash lookup; a second delete says false", async () => {
        const rec = keyRecord();
        await store.keys.put(rec);
        expect(await store.keys.delete(rec.id)).toBe(true);
        expect(await store.keys.getByHash(rec.hash)).toBeNull();
        expect(await store.keys.getById(rec.id)).toBeNull();
        expect(await store.keys.delete(rec.id)).toBe(false);
        const page = await collect(store, 100);
        expect(page.map((r) => r.id)).not.toContain(rec.id);
      });

      test("list pages with a cursor: every key exactly once, pages no bigger than asked", async () => {
        const mine = Array.from({ length: 7 }, () => keyRecord());
        for (const r of mine) await store.keys.put(r);
        const seen = await collect(store, 3);
        const ids = seen.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const r of mine) expect(seen.find((s) => s.id === r.id)).toEqual(r);
      });
    });

    describe("cache", () => {
      test("put then get; a missing key is null; put overwrites", async () => {
        const k = `c-${rand()}`;
        expect(await store.cache.get(k)).toBeNull();
        await store.cache.put(k, '{"answer":"é ✓"}', 60);
        expect(await store.cache.get(k)).toBe('{"answer":"é ✓"}');
        await store.cache.put(k, "second", 60);
        expect(await store.cache.get(k)).toBe("second");
      });

      test("an entry expires after its TTL, though the backend may still hold it", async () => {
        const k = `c-${rand()}`;
        await store.cache.put(k, "v", 2);
        advance(1_500);
        expect(await store.cache.get(k)).toBe("v");
        advance(600);
        expect(await store.cache.get(k)).toBeNull();
      });

      test("a fresh put after expiry is visible again", async () => {
        const k = `c-${rand()}`;
        await store.cache.put(k, "old", 1);
        advance(5_000);
        expect(await store.cache.get(k)).toBeNull();
        await store.cache.put(k, "new", 10);
        expect(await store.cache.get(k)).toBe("new");
      });

      test("maxValueBytes is a positive whole number, at least the 350 KiB every backend takes", async () => {
        expect(Number.isInteger(store.cache.maxValueBytes)).toBe(true);
        expect(store.cache.maxValueBytes).toBeGreaterThanOrEqual(350 * 1024);
      });

      test("a value of 350 KiB fits everywhere; where that is maxValueBytes, one byte more is silently not stored", async () => {
        const max = Math.min(store.cache.maxValueBytes, 350 * 1024);
        const k = `c-${rand()}`;
        await store.cache.put(k, "é".repeat(max / 2), 60);
        expect((await store.cache.get(k))?.length).toBe(max / 2);
        if (store.cache.maxValueBytes > max) return;
        const over = `c-${rand()}`;
        await store.cache.put(over, `${"é".repeat(max / 2 - 1)}abc`, 60);
        expect((await store.cache.get(over))?.length).toBeUndefined();
      });

      test("purge(prefix) deletes only the entries under it and counts them", async () => {
        const tenant = cacheTenantOfKey(`key_${rand()}`);
        const mine = [`${tenant}/${"a".repeat(64)}`, `${tenant}/${"b".repeat(64)}`, `${tenant}/${"c".repeat(64)}`];
        const neighbour = `${tenant}x/${"a".repeat(64)}`;
        const other = `${cacheTenantOfKey(`key_${rand()}`)}/${"a".repeat(64)}`;
        for (const k of [...mine, neighbour, other]) await store.cache.put(k, "v", 60);
        expect(await store.cache.purge(`${tenant}/`)).toBe(3);
        for (const k of mine) expect(await store.cache.get(k)).toBeNull();
        expect(await store.cache.get(neighbour)).toBe("v");
        expect(await store.cache.get(other)).toBe("v");
        expect(await store.cache.purge(`${tenant}/`)).toBe(0);
        expect(await store.cache.purge(`nobody-${rand()}/`)).toBe(0);
      });

      test("cachePrefixOfKey(id) is the prefix of that key's tenant", async () => {
        const id = `key_${rand()}`;
        expect(cacheTenantOfKey(id)).toBe(`key:${id}`);
        expect(cachePrefixOfKey(id)).toBe(`key:${id}/`);
        const k = `${cacheTenantOfKey(id)}/${"d".repeat(64)}`;
        await store.cache.put(k, "v", 60);
        expect(await store.cache.purge(cachePrefixOfKey(id))).toBe(1);
        expect(await store.cache.get(k)).toBeNull();
      });

      test("purge() deletes every entry, long keys too, and leaves virtual keys alone; then there is nothing left", async () => {
        const rec = keyRecord();
        await store.keys.put(rec);
        const keys = [`c-${rand()}`, `${cacheTenantOfKey(`key_${rand()}`)}/${"e".repeat(64)}`, `long-${rand()}-${"k".repeat(2000)}`];
        for (const k of keys) await store.cache.put(k, "v", 60);
        expect(await store.cache.purge()).toBeGreaterThanOrEqual(keys.length);
        for (const k of keys) expect(await store.cache.get(k)).toBeNull();
        expect(await store.cache.purge()).toBe(0);
        expect(await store.cache.purge("")).toBe(0);
        expect(await store.keys.getById(rec.id)).toEqual(rec);
        expect(await store.keys.getByHash(rec.hash)).toEqual(rec);
      });

      test("a purged key can be cached again", async () => {
        const k = `c-${rand()}`;
        await store.cache.put(k, "old", 60);
        await store.cache.purge(k);
        await store.cache.put(k, "new", 60);
        expect(await store.cache.get(k)).toBe("new");
      });
    });

    describe("responses", () => {
      const DAY = 86_400;
      const record = (over: Partial<StoredResponse> = {}): StoredResponse => ({
        id: `resp_${rand()}`,
        tenant: cacheTenantOfKey(`key_${rand()}`),
        createdAt: Math.floor(time / 1000),
        response: JSON.stringify({ object: "response", status: "completed", output: [{ type: "message", content: [{ type: "output_text", text: "é ✓ 😀" }] }] }),
        items: JSON.stringify([{ role: "user", content: "hi 😀" }]),
        ...over,
      });

      test("put then get gives the record back; an unknown id is null", async () => {
        const rec = record();
        await store.responses.put(rec, 30 * DAY);
        expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
        expect(await store.responses.get(rec.tenant, `resp_${rand()}`)).toBeNull();
        expect(await store.responses.get(rec.tenant, `resp_${"x".repeat(3000)}`)).toBeNull();
        expect(await store.responses.delete(rec.tenant, `resp_${"x".repeat(3000)}`)).toBe(false);
      });

      test("another tenant with the same id gets null and deletes nothing", async () => {
        const rec = record();
        await store.responses.put(rec, DAY);
        for (const other of [cacheTenantOfKey(`key_${rand()}`), `${rec.tenant}x`, rec.tenant.slice(0, -1), "open"]) {
          expect(await store.responses.get(other, rec.id)).toBeNull();
          expect(await store.responses.delete(other, rec.id)).toBe(false);
        }
        expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
      });

      test("two tenants may hold the same id, each its own record", async () => {
        const a = record();
        const b = record({ id: a.id, response: '{"b":true}' });
        await store.responses.put(a, DAY);
        await store.responses.put(b, DAY);
        expect(await store.responses.get(a.tenant, a.id)).toEqual(a);
        expect(await store.responses.get(b.tenant, b.id)).toEqual(b);
        expect(await store.responses.delete(a.tenant, a.id)).toBe(true);
        expect(await store.responses.get(b.tenant, b.id)).toEqual(b);
      });

      test("an id holding a slash stays within its tenant; a tenant holding one is refused", async () => {
        const rec = record({ id: `a/${rand()}` });
        await store.responses.put(rec, DAY);
        expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
        await expect(store.responses.put(record({ tenant: "key:a/b" }), DAY)).rejects.toThrow(/tenant/);
        await expect(store.responses.get("key:a/b", "c")).rejects.toThrow(/tenant/);
      });

      test("a record expires after its TTL, though the backend may still hold it", async () => {
        const rec = record();
        await store.responses.put(rec, 2);
        advance(1_500);
        expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
        advance(600);
        expect(await store.responses.get(rec.tenant, rec.id)).toBeNull();
        expect(await store.responses.delete(rec.tenant, rec.id)).toBe(false);
        await store.responses.put(rec, 60);
        expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
      });

      test("a TTL that is not above 0 is refused", async () => {
        await expect(store.responses.put(record(), 0)).rejects.toThrow(RangeError);
        await expect(store.responses.put(record(), Number.NaN)).rejects.toThrow(RangeError);
      });

      test("delete, then get is null; a second delete says false", async () => {
        const rec = record();
        await store.responses.put(rec, DAY);
        expect(await store.responses.delete(rec.tenant, rec.id)).toBe(true);
        expect(await store.responses.get(rec.tenant, rec.id)).toBeNull();
        expect(await store.responses.delete(rec.tenant, rec.id)).toBe(false);
      });

      test("a 2 MB record round-trips whole", async () => {
        const rec = record({ response: `{"text":"${noise(512 * 1024)}"}`, items: `["${noise(1536 * 1024)}"]` });
        await store.responses.put(rec, DAY);
        const got = await store.responses.get(rec.tenant, rec.id);
        expect(got?.response.length).toBe(rec.response.length);
        expect(got?.items.length).toBe(rec.items.length);
        expect(got!.response === rec.response && got!.items === rec.items).toBe(true);
        expect(await store.responses.delete(rec.tenant, rec.id)).toBe(true);
        expect(await store.responses.get(rec.tenant, rec.id)).toBeNull();
      });

      test("maxRecordBytes is 16 MiB; a larger record is refused with a clear error and changes nothing", async () => {
        expect(store.responses.maxRecordBytes).toBe(16 * 1024 * 1024);
        const rec = record();
        await store.responses.put(rec, DAY);
        const half = store.responses.maxRecordBytes / 2;
        const over = { ...rec, response: "r".repeat(half), items: `${"é".repeat(half / 2 - 1)}abc` };
        const err = await store.responses.put(over, DAY).catch((e) => e);
        expect(err).toBeInstanceOf(ResponseTooLargeError);
        expect(err).toMatchObject({ bytes: store.responses.maxRecordBytes + 1, maxBytes: store.responses.maxRecordBytes });
        expect(err.message).toMatch(/16 MiB/);
        expect(await store.responses.get(rec.tenant, rec.id)).toEqual(rec);
      });

      test("put overwrites the same id: large over small over large, the latest TTL counts", async () => {
        const small = record();
        const large = { ...small, response: `{"text":"${noise(700 * 1024)}"}`, items: `["${noise(700 * 1024)}"]` };
        await store.responses.put(large, 10);
        await store.responses.put(small, 60);
        expect(await store.responses.get(small.tenant, small.id)).toEqual(small);
        const larger = { ...large, createdAt: large.createdAt + 1, items: `["${noise(900 * 1024)}"]` };
        await store.responses.put(larger, 60);
        advance(30_000);
        const got = await store.responses.get(small.tenant, small.id);
        expect(got!.items === larger.items && got!.response === larger.response && got!.createdAt === larger.createdAt).toBe(true);
        expect(await store.responses.delete(small.tenant, small.id)).toBe(true);
        expect(await store.responses.get(small.tenant, small.id)).toBeNull();
      });
    });

    describe("limits", () => {
      const W = 60_000;

      test("hit admits up to the limit exactly, then refuses without counting", async () => {
        const k = `l-${rand()}`;
        const w = windowOf(time, W);
        const results = [];
        for (let i = 0; i < 4; i++) results.push(await store.limits.hit(k, w, W, 1, 3));
        expect(results).toEqual([
          { allowed: true, count: 1 },
          { allowed: true, count: 2 },
          { allowed: true, count: 3 },
          { allowed: false, count: 3 },
        ]);
        expect(await store.limits.get(k, w)).toBe(3);
      });

      test("costs above one: admitted only while the sum stays within the limit", async () => {
        const k = `l-${rand()}`;
        const w = windowOf(time, W);
        expect(await store.limits.hit(k, w, W, 4, 10)).toEqual({ allowed: true, count: 4 });
        expect(await store.limits.hit(k, w, W, 4, 10)).toEqual({ allowed: true, count: 8 });
        expect(await store.limits.hit(k, w, W, 4, 10)).toEqual({ allowed: false, count: 8 });
        expect(await store.limits.hit(k, w, W, 2, 10)).toEqual({ allowed: true, count: 10 });
        const big = `l-${rand()}`;
        expect(await store.limits.hit(big, w, W, 11, 10)).toEqual({ allowed: false, count: 0 });
        expect(await store.limits.get(big, w)).toBe(0);
      });

      test("200 concurrent hits against a limit of 50 admit exactly 50", async () => {
        const k = `l-${rand()}`;
        const w = windowOf(time, W);
        const results = await Promise.all(Array.from({ length: 200 }, () => store.limits.hit(k, w, W, 1, 50)));
        expect(results.filter((r) => r.allowed)).toHaveLength(50);
        expect(results.filter((r) => r.allowed).map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(await store.limits.get(k, w)).toBe(50);
      });

      test("windows and counter keys are independent", async () => {
        const a = `l-${rand()}`;
        const b = `l-${rand()}`;
        const w = windowOf(time, W);
        expect((await store.limits.hit(a, w, W, 1, 1)).allowed).toBe(true);
        expect((await store.limits.hit(a, w, W, 1, 1)).allowed).toBe(false);
        expect((await store.limits.hit(a, w + W, W, 1, 1)).allowed).toBe(true);
        expect((await store.limits.hit(b, w, W, 1, 1)).allowed).toBe(true);
        expect(await store.limits.get(a, w)).toBe(1);
        expect(await store.limits.get(a, w + W)).toBe(1);
      });

      test("add counts without a limit and returns the total; get reads it; a new counter reads 0", async () => {
        const k = `t-${rand()}`;
        const w = windowOf(time, W);
        expect(await store.limits.get(k, w)).toBe(0);
        expect(await store.limits.add(k, w, W, 700)).toBe(700);
        expect(await store.limits.add(k, w, W, 500)).toBe(1200);
        expect(await store.limits.get(k, w)).toBe(1200);
        expect((await store.limits.hit(k, w, W, 1, 1000)).allowed).toBe(false);
      });

      test("add takes a negative amount (an in-flight slot given back), and a hit then fits again", async () => {
        const k = `s-${rand()}`;
        const w = windowOf(time, W);
        expect((await store.limits.hit(k, w, W, 1, 1)).allowed).toBe(true);
        expect((await store.limits.hit(k, w, W, 1, 1)).allowed).toBe(false);
        expect(await store.limits.add(k, w, W, -1)).toBe(0);
        expect((await store.limits.hit(k, w, W, 1, 1)).allowed).toBe(true);
      });

      test("a counter stays readable through the next window (sliding), then expires", async () => {
        const k = `l-${rand()}`;
        const w = windowOf(time, W);
        await store.limits.add(k, w, W, 5);
        advance(w + W + W / 2 - time); // the middle of the next window
        expect(await store.limits.get(k, w)).toBe(5);
        advance(W); // past windowStart + 2 windows
        expect(await store.limits.get(k, w)).toBe(0);
      });
    });

    describe("usage", () => {
      const row = (keyId: string, day: string, model: string, n = 1, cacheHits = 0): UsageRow => ({
        keyId,
        day,
        model,
        requests: n,
        cacheHits,
        tokensIn: 10 * n,
        tokensOut: 20 * n,
        costMicros: 300 * n,
      });

      test("adds aggregate per key, day and model", async () => {
        const k = `key_${rand()}`;
        await store.usage.add(row(k, "2026-11-20", "openai/gpt-4o-mini"));
        await store.usage.add(row(k, "2026-11-20", "openai/gpt-4o-mini", 2, 1));
        await store.usage.add(row(k, "2026-11-20", "anthropic/claude-3-5-haiku"));
        await store.usage.add(row(k, "2026-11-21", "openai/gpt-4o-mini", 1, 1));
        expect(await store.usage.query({ keyId: k })).toEqual([
          { keyId: k, day: "2026-11-20", model: "anthropic/claude-3-5-haiku", requests: 1, cacheHits: 0, tokensIn: 10, tokensOut: 20, costMicros: 300 },
          { keyId: k, day: "2026-11-20", model: "openai/gpt-4o-mini", requests: 3, cacheHits: 1, tokensIn: 30, tokensOut: 60, costMicros: 900 },
          { keyId: k, day: "2026-11-21", model: "openai/gpt-4o-mini", requests: 1, cacheHits: 1, tokensIn: 10, tokensOut: 20, costMicros: 300 },
        ]);
      });

      test("concurrent adds lose nothing", async () => {
        const k = `key_${rand()}`;
        await Promise.all(Array.from({ length: 40 }, (_, i) => store.usage.add(row(k, "2026-11-20", "m", 1, i % 4 === 0 ? 1 : 0))));
        expect(await store.usage.query({ keyId: k })).toEqual([{ keyId: k, day: "2026-11-20", model: "m", requests: 40, cacheHits: 10, tokensIn: 400, tokensOut: 800, costMicros: 12_000 }]);
      });

      test("cache hits are a counter of their own, 0 for a row added without one (written before it existed)", async () => {
        const k = `key_${rand()}`;
        const { cacheHits: _, ...older } = row(k, "2026-11-20", "m");
        await store.usage.add(older as UsageRow);
        expect(await store.usage.query({ keyId: k })).toEqual([{ keyId: k, day: "2026-11-20", model: "m", requests: 1, cacheHits: 0, tokensIn: 10, tokensOut: 20, costMicros: 300 }]);
        // A hit: one request, no tokens or cost.
        await store.usage.add({ keyId: k, day: "2026-11-20", model: "m", requests: 1, cacheHits: 1, tokensIn: 0, tokensOut: 0, costMicros: 0 });
        expect(await store.usage.query({ keyId: k })).toEqual([{ keyId: k, day: "2026-11-20", model: "m", requests: 2, cacheHits: 1, tokensIn: 10, tokensOut: 20, costMicros: 300 }]);
      });

      test("query filters by inclusive day range, and across keys when no key is given", async () => {
        const a = `key_${rand()}`;
        const b = `key_${rand()}`;
        for (const day of ["2026-10-31", "2026-11-01", "2026-11-15", "2026-11-30", "2026-12-01"]) {
          await store.usage.add(row(a, day, "m/x"));
          await store.usage.add(row(b, day, "m/x#odd/name"));
        }
        const days = (rows: UsageRow[]) => rows.map((r) => r.day);
        expect(days(await store.usage.query({ keyId: a, from: "2026-11-01", to: "2026-11-30" }))).toEqual(["2026-11-01", "2026-11-15", "2026-11-30"]);
        expect(days(await store.usage.query({ keyId: a, from: "2026-11-15" }))).toEqual(["2026-11-15", "2026-11-30", "2026-12-01"]);
        expect(days(await store.usage.query({ keyId: b, to: "2026-11-01" }))).toEqual(["2026-10-31", "2026-11-01"]);
        const all = (await store.usage.query({ from: "2026-11-01", to: "2026-11-15" })).filter((r) => r.keyId === a || r.keyId === b);
        expect(all.map((r) => [r.day, r.keyId, r.model])).toEqual(
          [
            ["2026-11-01", a, "m/x"],
            ["2026-11-01", b, "m/x#odd/name"],
            ["2026-11-15", a, "m/x"],
            ["2026-11-15", b, "m/x#odd/name"],
          ].sort((x, y) => (x[0]! + x[1]! < y[0]! + y[1]! ? -1 : 1)),
        );
      });
    });
  });
}

function windowOf(t: number, windowMs: number): number {
  return Math.floor(t / windowMs) * windowMs;
}

async function collect(store: Store, pageSize: number): Promise<VirtualKeyRecord[]> {
  const out: VirtualKeyRecord[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.keys.list(cursor, pageSize);
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    out.push(...page.items);
    if (page.cursor === undefined) return out;
    cursor = page.cursor;
  }
  throw new Error("list never ended");
}
