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
import type { GuardHit } from "../../core/types.js";
import {
  ResponseTooLargeError,
  type AnalyticsRow,
  type LogEntry,
  type LogFilter,
  type Store,
  type StoredResponse,
  type UsageRow,
  type VirtualKeyRecord,
} from "../../core/store/types.js";

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

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** A fresh ULID for time `at`: 10 characters of time, 16 random. */
export function logId(at: number): string {
  let time = "";
  for (let t = at, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32] + time;
  return time + Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => CROCKFORD[b % 32]).join("");
}

/** A log entry at `at` with a fresh id, readable for a day from now (or from `at`, when later); `over` sets anything else. */
export function logEntry(at: number, over: Partial<LogEntry> = {}): LogEntry {
  return {
    id: logId(at),
    at,
    expiresAt: Math.max(at, Date.now()) + 86_400_000,
    principal: "open",
    route: "chat",
    provider: "openai",
    model: "gpt-4o-mini",
    servedModel: "gpt-4o-mini-2024-07-18",
    status: 200,
    cache: "MISS",
    stream: false,
    tokens: { in: 12, out: 34, cachedRead: 0, cachedWrite: 0, reasoning: 0 },
    costMicros: 25,
    priced: true,
    ttfbMs: 120,
    durationMs: 480,
    retries: 0,
    ...over,
  };
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

    describe("logs", () => {
      const logs = () => {
        expect(store.logs, "this store has no request log").toBeDefined();
        return store.logs!;
      };
      /** Every page of a listing, checking each is no bigger than asked and only the last has no cursor. */
      const listAll = async (filter: LogFilter, pageSize?: number): Promise<LogEntry[]> => {
        const out: LogEntry[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 10_000; pages++) {
          const page = await logs().list(filter, cursor, pageSize);
          expect(page.items.length).toBeLessThanOrEqual(pageSize ?? 50);
          out.push(...page.items);
          if (page.cursor === undefined) return out;
          // A page shorter than asked is the last one.
          expect(page.items.length).toBe(pageSize ?? 50);
          cursor = page.cursor;
        }
        throw new Error("the listing never ended");
      };
      const ids = (entries: LogEntry[]) => entries.map((e) => e.id);
      /** A time of its own for a case: a random second in 2001–2020, so no other case's entries share it. */
      const era = () => Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 20 * 365 * 86_400) * 1000;

      test("put then get gives every field back; an unknown id is null", async () => {
        const full = logEntry(time, {
          keyId: `key_${rand()}`,
          keyName: "alice's key",
          principal: "key_x",
          step: 1,
          status: 502,
          errorCode: "upstream_error",
          error: "the provider said 502 é ✓",
          cache: "BYPASS",
          stream: true,
          tokens: { in: 1200, out: 340, cachedRead: 1000, cachedWrite: 100, reasoning: 200 },
          priced: false,
          costMicros: 0,
          retries: 2,
          metadata: { team: "search", n: 42, ok: true, "with space": "x y" },
          feedback: -1,
          score: 55.5,
          requestBody: '{"messages":[{"role":"user","content":"hi 😀"}]}',
          responseBody: '{"choices":[]}',
          truncated: true,
        });
        const bare = logEntry(time);
        delete bare.ttfbMs;
        delete bare.cache;
        delete bare.provider;
        await logs().put([full, bare]);
        expect(await logs().get(full.id)).toEqual(full);
        expect(await logs().get(bare.id)).toEqual(bare);
        expect(await logs().get(logId(time))).toBeNull();
        expect(await logs().get("")).toBeNull();
        expect(await logs().get(`x${"y".repeat(3000)}`)).toBeNull();
      });

      test("a returned entry is a copy: changing it changes nothing stored", async () => {
        const e = logEntry(time, { metadata: { a: "1" } });
        await logs().put([e]);
        const got = (await logs().get(e.id))!;
        got.metadata!.a = "changed";
        got.tokens.in = 0;
        e.status = 500;
        expect(await logs().get(e.id)).toEqual({ ...e, status: 200 });
      });

      test("put takes a batch of many (more than 25 at once) and an empty one", async () => {
        const keyId = `key_${rand()}`;
        const batch = Array.from({ length: 60 }, (_, i) => logEntry(time - i, { keyId }));
        await logs().put(batch);
        await logs().put([]);
        expect(new Set(ids(await listAll({ keyId }, 1000)))).toEqual(new Set(ids(batch)));
        for (const e of [batch[0]!, batch[29]!, batch[59]!]) expect(await logs().get(e.id)).toEqual(e);
      });

      test("put refuses an entry without an id or with an unusable time, and writes none of the batch", async () => {
        const good = logEntry(time);
        await expect(logs().put([good, logEntry(time, { id: "" })])).rejects.toThrow(RangeError);
        await expect(logs().put([good, logEntry(Number.NaN)])).rejects.toThrow(RangeError);
        await expect(logs().put([good, logEntry(time, { at: -1 })])).rejects.toThrow(RangeError);
        await expect(logs().put([good, logEntry(time, { at: 1.5 })])).rejects.toThrow(RangeError);
        expect(await logs().get(good.id)).toBeNull();
      });

      test("an entry expires at its expiresAt, though the backend may still hold it", async () => {
        const keyId = `key_${rand()}`;
        const e = logEntry(time, { keyId, expiresAt: time + 2_000 });
        const lasting = logEntry(time - 1, { keyId });
        await logs().put([e, lasting]);
        advance(1_500);
        expect(await logs().get(e.id)).toEqual(e);
        expect(ids(await listAll({ keyId }))).toEqual([e.id, lasting.id]);
        advance(600);
        expect(await logs().get(e.id)).toBeNull();
        expect(ids(await listAll({ keyId }))).toEqual([lasting.id]);
        expect(await logs().patch(e.id, { feedback: 1 })).toBeNull();
        expect(await logs().delete(e.id)).toBe(false);
        expect(await logs().get(lasting.id)).toEqual(lasting);
      });

      test("list is newest first, by at and then by id; a key's entries only", async () => {
        const keyId = `key_${rand()}`;
        const t = era();
        const sameTime = [logEntry(t, { keyId }), logEntry(t, { keyId }), logEntry(t, { keyId })];
        const entries = [logEntry(t - 5_000, { keyId }), ...sameTime, logEntry(t + 1, { keyId }), logEntry(t - 1, { keyId })];
        await logs().put(entries.slice(0, 3));
        await logs().put(entries.slice(3));
        await logs().put([logEntry(t, { keyId: `key_${rand()}` })]);
        const expected = [...entries].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
        expect(await listAll({ keyId })).toEqual(expected);
        expect(ids(await listAll({ keyId }, 1))).toEqual(ids(expected));
        expect(ids(await listAll({ keyId }, 2))).toEqual(ids(expected));
        const all = (await listAll({ from: t - 5_000, to: t + 1 }, 2)).filter((e) => e.keyId === keyId);
        expect(ids(all)).toEqual(ids(expected));
      });

      test("each filter alone, over everything stored: only matching entries, and all of mine that match", async () => {
        const t = era();
        const keyId = `key_${rand()}`;
        const provider = `prov-${rand()}`;
        const model = `model-${rand()}`;
        const tag = `tag-${rand()}`;
        const mine = [
          logEntry(t, { keyId, provider, model: "alias-fast", servedModel: model, status: 200, cache: "HIT", metadata: { [tag]: 42 } }),
          logEntry(t + 1, { model, servedModel: "other", status: 429, cache: "MISS", metadata: { [tag]: "42" } }),
          logEntry(t + 2, { keyId, status: 503, cache: "BYPASS", metadata: { [tag]: true } }),
          logEntry(t + 3, { provider, status: 302, metadata: { [tag]: "x" } }),
          logEntry(t + 4, { keyId: `key_${rand()}`, status: 201 }),
        ];
        await logs().put(mine);
        const check = async (filter: LogFilter, expected: LogEntry[], holds: (e: LogEntry) => boolean) => {
          const found = await listAll(filter, 100);
          for (const e of found) expect(holds(e), JSON.stringify(filter)).toBe(true);
          const mineFound = found.filter((e) => mine.some((m) => m.id === e.id));
          expect(new Set(ids(mineFound)), JSON.stringify(filter)).toEqual(new Set(ids(expected)));
        };
        const [a, b, c, d, e] = mine as [LogEntry, LogEntry, LogEntry, LogEntry, LogEntry];
        await check({ keyId }, [a, c], (x) => x.keyId === keyId);
        await check({ model }, [a, b], (x) => x.model === model || x.servedModel === model);
        await check({ model: "alias-fast" }, [a], (x) => x.model === "alias-fast" || x.servedModel === "alias-fast");
        await check({ provider }, [a, d], (x) => x.provider === provider);
        await check({ statusClass: 2, from: t, to: t + 4 }, [a, e], (x) => x.status >= 200 && x.status < 300);
        await check({ statusClass: 3, from: t, to: t + 4 }, [d], (x) => x.status >= 300 && x.status < 400);
        await check({ statusClass: 4, from: t, to: t + 4 }, [b], (x) => x.status >= 400 && x.status < 500);
        await check({ statusClass: 5, from: t, to: t + 4 }, [c], (x) => x.status >= 500);
        await check({ cache: "HIT", from: t, to: t + 4 }, [a], (x) => x.cache === "HIT");
        await check({ cache: "BYPASS", from: t, to: t + 4 }, [c], (x) => x.cache === "BYPASS");
        await check({ metadata: { name: tag, value: "42" } }, [a, b], (x) => String(x.metadata?.[tag]) === "42");
        await check({ metadata: { name: tag, value: "true" } }, [c], (x) => x.metadata?.[tag] === true);
        await check({ metadata: { name: tag, value: "42.0" } }, [], () => false);
        await check({ from: t + 1, to: t + 3 }, [b, c, d], (x) => x.at >= t + 1 && x.at <= t + 3);
        await check({ from: t + 4 }, [e], (x) => x.at >= t + 4);
        await check({ to: t }, [a], (x) => x.at <= t);
      });

      test("statusClass and cache alone, without bounds", async () => {
        const mine = [logEntry(time, { status: 504, cache: "BYPASS" }), logEntry(time, { status: 200, cache: "HIT" })];
        await logs().put(mine);
        const errors = await listAll({ statusClass: 5 }, 1000);
        expect(errors.every((e) => e.status >= 500 && e.status < 600)).toBe(true);
        expect(ids(errors)).toContain(mine[0]!.id);
        expect(ids(errors)).not.toContain(mine[1]!.id);
        const hits = await listAll({ cache: "HIT" }, 1000);
        expect(hits.every((e) => e.cache === "HIT")).toBe(true);
        expect(ids(hits)).toContain(mine[1]!.id);
      });

      test("filters combined: all must hold", async () => {
        const keyId = `key_${rand()}`;
        const t = era();
        const hit = logEntry(t + 10, { keyId, provider: "anthropic", model: "fast", servedModel: "claude-x", status: 200, cache: "MISS", metadata: { env: "prod" } });
        const misses = [
          logEntry(t + 10, { keyId, provider: "openai", model: "fast", servedModel: "claude-x", metadata: { env: "prod" } }),
          logEntry(t + 10, { keyId, provider: "anthropic", model: "slow", servedModel: "gpt", metadata: { env: "prod" } }),
          logEntry(t + 10, { keyId, provider: "anthropic", model: "fast", status: 500, metadata: { env: "prod" } }),
          logEntry(t + 10, { keyId, provider: "anthropic", model: "fast", cache: "HIT", metadata: { env: "prod" } }),
          logEntry(t + 10, { keyId, provider: "anthropic", model: "fast", metadata: { env: "dev" } }),
          logEntry(t + 10, { keyId, provider: "anthropic", model: "fast" }),
          logEntry(t + 30, { keyId, provider: "anthropic", model: "fast", metadata: { env: "prod" } }),
          logEntry(t + 10, { keyId: `key_${rand()}`, provider: "anthropic", model: "fast", metadata: { env: "prod" } }),
        ];
        await logs().put([hit, ...misses]);
        const filter: LogFilter = { keyId, model: "claude-x", provider: "anthropic", statusClass: 2, cache: "MISS", metadata: { name: "env", value: "prod" }, from: t, to: t + 20 };
        expect(ids(await listAll(filter))).toEqual([hit.id]);
        const { keyId: _, ...withoutKey } = filter;
        expect(ids((await listAll(withoutKey, 7)).filter((e) => e.keyId === keyId))).toEqual([hit.id]);
        expect(await listAll({ keyId, from: t + 20, to: t + 10 })).toEqual([]);
      });

      test("guardrail hits round-trip through put, get, list and a patch; a returned copy is the caller's own", async () => {
        const keyId = `key_${rand()}`;
        const guardrails: GuardHit[] = [
          { policy: "pii", rule: "emails", stage: "input", action: "redact", count: 3, labels: ["EMAIL", "PHONE"] },
          { policy: "moderation", rule: "judge", stage: "output", action: "flag", count: 1, labels: ["violence"], failedOpen: true },
          { policy: "audit", rule: "words", stage: "input", action: "ignore", count: 2 },
        ];
        const e = logEntry(time, { keyId, guardrails, requestBody: "[EMAIL] wrote", responseBody: "ok" });
        const none = logEntry(time - 1, { keyId });
        await logs().put([e, none]);
        expect(await logs().get(e.id)).toEqual(e);
        expect((await logs().get(none.id))!.guardrails).toBeUndefined();
        expect(await listAll({ keyId })).toEqual([e, none]);
        const got = (await logs().get(e.id))!;
        got.guardrails![0]!.labels!.push("CARD");
        got.guardrails![1]!.count = 99;
        expect(await logs().get(e.id)).toEqual(e);
        expect(await logs().patch(e.id, { feedback: 1, metadata: { reviewed: true } })).toEqual({ ...e, feedback: 1, metadata: { reviewed: true } });
        expect((await logs().get(e.id))!.guardrails).toEqual(guardrails);
      });

      test("the guardrail filter: entries with a hit of that policy, or of that action", async () => {
        const t = era();
        const pii = `pii-${rand()}`;
        const tox = `tox-${rand()}`;
        const hit = (policy: string, action: GuardHit["action"], rule = "r"): GuardHit => ({ policy, rule, stage: "input", action, count: 1 });
        const mine = [
          logEntry(t, { guardrails: [hit(pii, "redact", "emails"), hit(pii, "redact", "phones"), hit(tox, "flag")] }),
          logEntry(t + 1, { guardrails: [hit(pii, "block")] }),
          logEntry(t + 2, { guardrails: [hit(tox, "block", "judge"), hit(pii, "ignore")] }),
          logEntry(t + 3, { guardrails: [hit(tox, "ignore")] }),
          logEntry(t + 4),
        ];
        await logs().put(mine);
        const [a, b, c, d] = mine as [LogEntry, LogEntry, LogEntry, LogEntry, LogEntry];
        const check = async (filter: LogFilter, expected: LogEntry[]) => {
          const g = filter.guardrail!;
          const found = await listAll(filter, 2);
          for (const e of found) expect(e.guardrails?.some((h) => h.policy === g || h.action === g), JSON.stringify(filter)).toBe(true);
          expect(ids(found.filter((e) => mine.some((m) => m.id === e.id))), JSON.stringify(filter)).toEqual(ids([...expected].reverse()));
        };
        await check({ guardrail: pii }, [a, b, c]);
        await check({ guardrail: tox, from: t, to: t + 4 }, [a, c, d]);
        await check({ guardrail: "block", from: t, to: t + 4 }, [b, c]);
        await check({ guardrail: "redact", from: t, to: t + 4 }, [a]);
        await check({ guardrail: "flag", from: t, to: t + 4 }, [a]);
        await check({ guardrail: "block", from: t + 2, to: t + 4 }, [c]);
        await check({ guardrail: `pii-${rand()}` }, []);
        await check({ guardrail: pii.toUpperCase() }, []);
        const keyId = `key_${rand()}`;
        const keyed = [logEntry(t, { keyId, guardrails: [hit(pii, "flag")] }), logEntry(t + 1, { keyId })];
        await logs().put(keyed);
        expect(ids(await listAll({ keyId, guardrail: "flag" }))).toEqual([keyed[0]!.id]);
        expect(ids(await listAll({ keyId, guardrail: pii, statusClass: 2 }))).toEqual([keyed[0]!.id]);
        expect(await listAll({ keyId, guardrail: pii, statusClass: 5 })).toEqual([]);
      });

      test("metadata names are own entries only: __proto__, constructor and toString are ordinary names", async () => {
        const keyId = `key_${rand()}`;
        const metadata = JSON.parse('{"__proto__":"p","constructor":"c"}');
        const e = logEntry(time, { keyId, metadata });
        const plain = logEntry(time - 1, { keyId, metadata: { a: "b" } });
        await logs().put([e, plain]);
        const got = (await logs().get(e.id))!;
        expect(Object.hasOwn(got.metadata!, "__proto__")).toBe(true);
        expect(Object.getPrototypeOf(got.metadata)).toBe(Object.prototype);
        expect(got.metadata!.constructor).toBe("c");
        expect(ids(await listAll({ keyId, metadata: { name: "__proto__", value: "p" } }))).toEqual([e.id]);
        expect(ids(await listAll({ keyId, metadata: { name: "constructor", value: "c" } }))).toEqual([e.id]);
        expect(await listAll({ keyId, metadata: { name: "toString", value: String(Object.prototype.toString) } })).toEqual([]);
        expect(await listAll({ keyId, metadata: { name: "constructor", value: String(Object) } })).toEqual([]);
        const patched = (await logs().patch(plain.id, { metadata: JSON.parse('{"__proto__":"q"}') }))!;
        expect(Object.hasOwn(patched.metadata!, "__proto__")).toBe(true);
        expect(Object.getPrototypeOf(patched.metadata)).toBe(Object.prototype);
        expect(ids(await listAll({ keyId, metadata: { name: "__proto__", value: "q" } }))).toEqual([plain.id]);
      });

      test("paging: limit and cursor give every entry once, in order, pages no bigger than asked", async () => {
        const keyId = `key_${rand()}`;
        const t = era();
        const entries = Array.from({ length: 75 }, (_, i) => logEntry(t + Math.floor(i / 3), { keyId }));
        await logs().put(entries);
        const expected = ids([...entries].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1)));
        for (const size of [1, 7, 25, 74, 75, 1000]) expect(ids(await listAll({ keyId }, size)), `page size ${size}`).toEqual(expected);
        const first = await logs().list({ keyId });
        expect(first.items).toHaveLength(50);
        expect(first.cursor).toBeDefined();
        const second = await logs().list({ keyId }, first.cursor);
        expect(ids([...first.items, ...second.items])).toEqual(expected);
        const across = (await listAll({ from: t, to: t + 24 }, 10)).filter((e) => e.keyId === keyId);
        expect(ids(across)).toEqual(expected);
      });

      test("paging with a filter that skips most entries: no duplicates, no gaps", async () => {
        const keyId = `key_${rand()}`;
        const tag = `tag-${rand()}`;
        const t = era();
        const entries = Array.from({ length: 300 }, (_, i) => logEntry(t + i, { keyId, metadata: i % 20 === 7 ? { [tag]: "yes" } : { [tag]: "no" } }));
        await logs().put(entries);
        const wanted = ids(entries.filter((e) => e.metadata![tag] === "yes").reverse());
        expect(wanted).toHaveLength(15);
        expect(ids(await listAll({ keyId, metadata: { name: tag, value: "yes" } }, 4))).toEqual(wanted);
        expect(ids(await listAll({ metadata: { name: tag, value: "yes" } }, 4))).toEqual(wanted);
        expect(ids(await listAll({ metadata: { name: tag, value: "yes" }, from: t + 100, to: t + 200 }, 2))).toEqual(ids(entries.slice(100, 201).filter((e) => e.metadata![tag] === "yes").reverse()));
      });

      test("a cursor that is not one of the store's is a RangeError; a limit out of range is clamped", async () => {
        for (const bad of ["", "not a cursor!", "eyJ4IjoxfQ", btoa("[1,2]"), "%%%", "a".repeat(5000)]) {
          await expect(logs().list({}, bad), bad).rejects.toThrow(RangeError);
        }
        const keyId = `key_${rand()}`;
        await logs().put([logEntry(time, { keyId }), logEntry(time - 1, { keyId })]);
        expect((await logs().list({ keyId }, undefined, 0)).items).toHaveLength(1);
        expect((await logs().list({ keyId }, undefined, 5000)).items).toHaveLength(2);
      });

      test("a filter bound that is not a number, or a status class outside 2..5, is a RangeError", async () => {
        for (const bad of [{ from: Number.NaN }, { to: Number.POSITIVE_INFINITY }, { statusClass: 1 }, { statusClass: 6 }, { statusClass: 2.5 }]) {
          await expect(logs().list(bad as LogFilter), JSON.stringify(bad)).rejects.toThrow(RangeError);
        }
      });

      test("patch sets feedback and score, merges metadata, returns the entry after it and keeps it", async () => {
        const keyId = `key_${rand()}`;
        const e = logEntry(time, { keyId, metadata: { team: "a", keep: 1 }, requestBody: "req", responseBody: "res" });
        await logs().put([e]);
        const once = await logs().patch(e.id, { feedback: 1 });
        expect(once).toEqual({ ...e, feedback: 1 });
        const twice = await logs().patch(e.id, { score: 90, metadata: { team: "b", added: true } });
        const expected = { ...e, feedback: 1, score: 90, metadata: { team: "b", keep: 1, added: true } };
        expect(twice).toEqual(expected);
        expect(await logs().get(e.id)).toEqual(expected);
        expect(await logs().list({ keyId })).toEqual({ items: [expected] });
        expect(ids(await listAll({ keyId, metadata: { name: "added", value: "true" } }))).toEqual([e.id]);
        expect(await logs().patch(e.id, { feedback: 0 })).toEqual({ ...expected, feedback: 0 });
        const noMetadata = logEntry(time);
        await logs().put([noMetadata]);
        expect(await logs().patch(noMetadata.id, { metadata: { x: "y" } })).toEqual({ ...noMetadata, metadata: { x: "y" } });
        expect(await logs().patch(logId(time), { feedback: 1 })).toBeNull();
        await expect(logs().patch(e.id, { score: 101 })).rejects.toThrow(RangeError);
        await expect(logs().patch(e.id, { feedback: 2 as 1 })).rejects.toThrow(RangeError);
        expect(await logs().get(e.id)).toEqual({ ...expected, feedback: 0 });
      });

      test("concurrent patches of one entry lose no metadata", async () => {
        const e = logEntry(time);
        await logs().put([e]);
        await Promise.all(Array.from({ length: 8 }, (_, i) => logs().patch(e.id, { metadata: { [`m${i}`]: i } })));
        expect((await logs().get(e.id))!.metadata).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`m${i}`, i])));
      });

      test("delete says true once, then false; the entry is gone from get and list", async () => {
        const keyId = `key_${rand()}`;
        const e = logEntry(time, { keyId, requestBody: "x" });
        await logs().put([e]);
        expect(await logs().delete(e.id)).toBe(true);
        expect(await logs().get(e.id)).toBeNull();
        expect(await listAll({ keyId })).toEqual([]);
        expect(await logs().delete(e.id)).toBe(false);
        expect(await logs().delete(logId(time))).toBe(false);
        expect(await logs().patch(e.id, { score: 1 })).toBeNull();
      });

      test("large bodies (32 KB each) round-trip through get and list", async () => {
        const keyId = `key_${rand()}`;
        const entries = Array.from({ length: 3 }, (_, i) =>
          logEntry(time - i, { keyId, requestBody: `{"prompt":"${noise(32 * 1024 - 13)}"}`, responseBody: `{"text":"${noise(32 * 1024 - 11)}"}` }),
        );
        await logs().put(entries);
        for (const e of entries) {
          const got = (await logs().get(e.id))!;
          expect(got.requestBody!.length).toBe(32 * 1024);
          expect(got.requestBody === e.requestBody && got.responseBody === e.responseBody).toBe(true);
        }
        const listed = await listAll({ keyId }, 2);
        expect(listed.map((e) => [e.requestBody?.length, e.responseBody?.length])).toEqual(entries.map(() => [32 * 1024, 32 * 1024]));
        expect(listed.every((got, i) => got.requestBody === entries[i]!.requestBody && got.responseBody === entries[i]!.responseBody)).toBe(true);
      });
    });

    describe("analytics", () => {
      const analytics = () => {
        expect(store.analytics, "this store has no analytics").toBeDefined();
        return store.analytics!;
      };
      const row = (keyId: string, hour: string, over: Partial<AnalyticsRow> = {}): AnalyticsRow => ({
        hour,
        keyId,
        provider: "openai",
        model: "gpt-4o-mini",
        requests: 1,
        errors4xx: 0,
        errors5xx: 0,
        cacheHits: 0,
        tokensIn: 10,
        tokensOut: 20,
        tokensCached: 5,
        costMicros: 300,
        latency: { "30": 1 },
        ttfb: { "20": 1 },
        ...over,
      });
      const sorted = (rows: AnalyticsRow[]) => [...rows].sort((a, b) => (JSON.stringify([a.hour, a.keyId, a.provider, a.model]) < JSON.stringify([b.hour, b.keyId, b.provider, b.model]) ? -1 : 1));

      test("add twice merges every counter and every histogram bucket", async () => {
        const k = `key_${rand()}`;
        const h = "2026-11-29T14";
        await analytics().add(row(k, h, { errors4xx: 1, latency: { "30": 1, "0": 2 }, ttfb: { "20": 1 } }));
        await analytics().add(
          row(k, h, { requests: 2, errors5xx: 1, cacheHits: 1, tokensIn: 1, tokensOut: 2, tokensCached: 0, costMicros: 7, latency: { "30": 2, "80": 1 }, ttfb: { "21": 2 } }),
        );
        expect(await analytics().query({ from: h, to: h, keyId: k })).toEqual([
          {
            hour: h,
            keyId: k,
            provider: "openai",
            model: "gpt-4o-mini",
            requests: 3,
            errors4xx: 1,
            errors5xx: 1,
            cacheHits: 1,
            tokensIn: 11,
            tokensOut: 22,
            tokensCached: 5,
            costMicros: 307,
            latency: { "0": 2, "30": 3, "80": 1 },
            ttfb: { "20": 1, "21": 2 },
          },
        ]);
      });

      test("guardrail counters add up across adds and policies; a row without any has none", async () => {
        const k = `key_${rand()}`;
        const h = "2026-11-29T13";
        await analytics().add(row(k, h, { guardrails: { "pii:block": 1, "pii:flag": 1 } }));
        await analytics().add(row(k, h));
        await analytics().add(row(k, h, { guardrails: { "pii:block": 2, "moderation:redact": 1, "odd:name #%:flag": 1 } }));
        await analytics().add(row(k, h, { model: "other", guardrails: { "pii:block": 5 } }));
        await analytics().add(row(k, h, { model: "plain" }));
        expect(sorted(await analytics().query({ from: h, to: h, keyId: k }))).toEqual(
          sorted([
            row(k, h, { requests: 3, tokensIn: 30, tokensOut: 60, tokensCached: 15, costMicros: 900, latency: { "30": 3 }, ttfb: { "20": 3 }, guardrails: { "pii:block": 3, "pii:flag": 1, "moderation:redact": 1, "odd:name #%:flag": 1 } }),
            row(k, h, { model: "other", guardrails: { "pii:block": 5 } }),
            row(k, h, { model: "plain" }),
          ]),
        );
        const [plain] = await analytics().query({ from: h, to: h, keyId: k }).then((rows) => rows.filter((r) => r.model === "plain"));
        expect(plain).not.toHaveProperty("guardrails");
      });

      test("a guardrail counter not named \"<policy>:<action>\" (block, redact, flag) or not a number is a RangeError and adds nothing", async () => {
        const k = `key_${rand()}`;
        const h = "2026-11-29T12";
        for (const name of ["pii", "pii:ignore", ":block", "pii:BLOCK", "__proto__", "constructor", `${"p".repeat(201)}:block`]) {
          await expect(analytics().add(row(k, h, { guardrails: JSON.parse(`{${JSON.stringify(name)}:1}`) })), name).rejects.toThrow(RangeError);
        }
        await expect(analytics().add(row(k, h, { guardrails: { "pii:block": Number.NaN } }))).rejects.toThrow(RangeError);
        await expect(analytics().add(row(k, h, { guardrails: [1] as unknown as Record<string, number> }))).rejects.toThrow(RangeError);
        expect(await analytics().query({ from: h, to: h, keyId: k })).toEqual([]);
      });

      test("one row per hour, key, provider and model, whatever characters they hold", async () => {
        const k = `key_${rand()}`;
        const h = "2026-11-29T15";
        const rows = [
          row(k, h),
          row(k, h, { provider: "anthropic" }),
          row(k, h, { model: "m/x#odd" }),
          row(k, h, { provider: "a#b", model: "c" }),
          row(k, h, { provider: "a", model: "b#c" }),
          row(k, h, { provider: "a%23b", model: "c" }),
          row(k, "2026-11-29T16"),
          row(`${k}x`, h),
        ];
        for (const r of rows) await analytics().add(r);
        expect(sorted(await analytics().query({ from: h, to: "2026-11-29T16", keyId: k }))).toEqual(sorted(rows.filter((r) => r.keyId === k)));
        expect(await analytics().query({ from: h, to: h, keyId: `${k}x` })).toEqual([rows[7]]);
      });

      test("an empty histogram stays empty", async () => {
        const k = `key_${rand()}`;
        await analytics().add(row(k, "2026-11-29T14", { latency: {}, ttfb: {} }));
        expect(await analytics().query({ from: "2026-11-29T14", to: "2026-11-29T14", keyId: k })).toEqual([row(k, "2026-11-29T14", { latency: {}, ttfb: {} })]);
      });

      test("query by an inclusive hour range, across days, for one key or for all", async () => {
        const a = `key_${rand()}`;
        const b = `key_${rand()}`;
        const hours = ["2026-11-27T23", "2026-11-28T00", "2026-11-28T13", "2026-11-29T23", "2026-11-30T00", "2026-12-01T00"];
        for (const h of hours) {
          await analytics().add(row(a, h));
          await analytics().add(row(b, h, { provider: "anthropic" }));
        }
        const hoursOf = (rows: AnalyticsRow[]) => rows.map((r) => r.hour).sort();
        expect(hoursOf(await analytics().query({ from: "2026-11-28T00", to: "2026-11-30T00", keyId: a }))).toEqual(hours.slice(1, 5));
        expect(hoursOf(await analytics().query({ from: "2026-11-28T01", to: "2026-11-29T22", keyId: a }))).toEqual(["2026-11-28T13"]);
        expect(await analytics().query({ from: "2026-11-30T01", to: "2026-11-30T23", keyId: a })).toEqual([]);
        expect(await analytics().query({ from: "2026-11-30T00", to: "2026-11-28T00", keyId: a })).toEqual([]);
        const all = (await analytics().query({ from: "2026-11-27T23", to: "2026-11-28T13" })).filter((r) => r.keyId === a || r.keyId === b);
        expect(sorted(all)).toEqual(sorted(hours.slice(0, 3).flatMap((h) => [row(a, h), row(b, h, { provider: "anthropic" })])));
      });

      test("concurrent adds lose nothing", async () => {
        const k = `key_${rand()}`;
        const h = "2026-11-29T10";
        await Promise.all(Array.from({ length: 30 }, (_, i) => analytics().add(row(k, h, { latency: { [String(i % 3)]: 1 } }))));
        const [got] = await analytics().query({ from: h, to: h, keyId: k });
        expect(got).toMatchObject({ requests: 30, tokensIn: 300, costMicros: 9000, latency: { "0": 10, "1": 10, "2": 10 }, ttfb: { "20": 30 } });
      });

      test("a malformed hour or a bucket outside the histogram is a RangeError and adds nothing", async () => {
        const k = `key_${rand()}`;
        for (const hour of ["2026-11-29", "2026-11-29T24", "2026-02-30T00", "2026-11-29T1", "x"]) {
          await expect(analytics().add(row(k, hour)), hour).rejects.toThrow(RangeError);
        }
        for (const bucket of ["81", "-1", "1.5", "01", "__proto__", "l"]) {
          await expect(analytics().add(row(k, "2026-11-29T12", { latency: { [bucket]: 1 } })), bucket).rejects.toThrow(RangeError);
          await expect(analytics().add(row(k, "2026-11-29T12", { ttfb: JSON.parse(`{${JSON.stringify(bucket)}:1}`) })), bucket).rejects.toThrow(RangeError);
        }
        await expect(analytics().query({ from: "2026-11-29", to: "2026-11-29T12" })).rejects.toThrow(RangeError);
        await expect(analytics().query({ from: "2020-01-01T00", to: "2026-11-29T12" })).rejects.toThrow(RangeError);
        expect(await analytics().query({ from: "2026-11-29T00", to: "2026-11-29T23", keyId: k })).toEqual([]);
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
