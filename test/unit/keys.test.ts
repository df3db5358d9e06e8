import { describe, expect, it, vi } from "vitest";
import { KeyCache } from "../../core/keys/cache.js";
import { KEY_PREFIX, generateKey, generateKeyId, hashKey, isVirtualKey, keyHint } from "../../core/keys/generate.js";
import { allowedTargets, globToRegExp } from "../../core/keys/models.js";
import { KeyService } from "../../core/keys/service.js";
import { memoryStore } from "../../core/store/memory.js";
import type { VirtualKeyRecord } from "../../core/store/types.js";
import type { Target } from "../../core/lifecycle/route.js";
import { maskSecret, keyView } from "../../core/admin/view.js";

describe("key generation", () => {
  it("makes sk-strait- keys of 40 base-62 characters (238 bits), all different", () => {
    const keys = new Set(Array.from({ length: 2000 }, generateKey));
    expect(keys.size).toBe(2000);
    for (const k of keys) expect(k).toMatch(/^sk-strait-[0-9A-Za-z]{40}$/);
    expect(40 * Math.log2(62)).toBeGreaterThan(128);
  });

  it("draws from crypto.getRandomValues without modulo bias", () => {
    const spy = vi.spyOn(crypto, "getRandomValues");
    generateKey();
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const ch of generateKey().slice(KEY_PREFIX.length)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (2000 * 40) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.15);
  });

  it("ids, hashes and hints", async () => {
    expect(generateKeyId()).toMatch(/^key_[0-9A-Za-z]{20}$/);
    const key = "sk-strait-abcdefghijklmnopqrstuvwxyz0123456789ABCD";
    expect(await hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashKey(key)).toBe(await hashKey(key));
    expect(keyHint(key)).toBe("sk-strait-abcd…ABCD");
    expect(isVirtualKey(key)).toBe(true);
    expect(isVirtualKey("sk-proj-123")).toBe(false);
  });
});

describe("model globs", () => {
  it("* spans anything, ? one character, the rest is literal", () => {
    expect(globToRegExp("openai/*").test("openai/gpt-4o")).toBe(true);
    expect(globToRegExp("openai/*").test("openrouter/openai/gpt-4o")).toBe(false);
    expect(globToRegExp("anthropic/claude-*").test("anthropic/claude-sonnet-4-5")).toBe(true);
    expect(globToRegExp("anthropic/claude-*").test("anthropic/claude")).toBe(false);
    expect(globToRegExp("groq/llama-3.?-8b*").test("groq/llama-3.1-8b-instant")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    expect(globToRegExp("*").test("any/thing")).toBe(true);
    expect(globToRegExp("x(y)+").test("x(y)+")).toBe(true);
  });

  const route = (name: string) => ({ name }) as Target["route"];
  const targets: Target[] = [
    { route: route("groq"), model: "llama-3.1-8b-instant" },
    { route: route("openai"), model: "gpt-4o-mini" },
  ];
  const key = (models?: string[]) => ({ id: "key_x", models }) as VirtualKeyRecord;

  it("keeps only allowed targets, whole aliases by name, and says why when none is left", () => {
    expect(allowedTargets(undefined, "fast", targets)).toBe(targets);
    expect(allowedTargets(key(), "fast", targets)).toBe(targets);
    expect(allowedTargets(key(["fast"]), "fast", targets)).toBe(targets);
    expect(allowedTargets(key(["openai/*"]), "fast", targets)).toEqual([targets[1]]);
    try {
      allowedTargets(key(["anthropic/*"]), "fast", targets);
      expect.unreachable();
    } catch (e: any) {
      expect(e.status).toBe(403);
      expect(e.code).toBe("model_not_allowed");
      expect(e.message).toBe('This key may not use model "fast" (resolves to groq/llama-3.1-8b-instant, openai/gpt-4o-mini). Allowed: anthropic/*.');
    }
    expect(() => allowedTargets(key([]), "openai/gpt-4o-mini", [targets[1]!])).toThrow(/Allowed: none/);
  });
});

describe("key lookup cache", () => {
  const record = (id: string): VirtualKeyRecord => ({ id, hash: "h", hint: "", name: id, createdAt: "", updatedAt: "" });

  it("reads the store once per TTL, shares concurrent misses, and caches unknown keys", async () => {
    let now = 0;
    const cache = new KeyCache(10_000, 100, () => now);
    const load = vi.fn(async (h: string) => (h === "known" ? record("key_a") : null));
    const all = await Promise.all(Array.from({ length: 50 }, () => cache.get("known", load)));
    expect(all.every((r) => r?.id === "key_a")).toBe(true);
    expect(load).toHaveBeenCalledTimes(1);
    expect(await cache.get("unknown", load)).toBeNull();
    expect(await cache.get("unknown", load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(2);
    now = 10_001;
    await cache.get("known", load);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("an eviction wins over a read that was in flight", async () => {
    const cache = new KeyCache(10_000);
    let release!: (r: VirtualKeyRecord) => void;
    const slow = () => new Promise<VirtualKeyRecord | null>((r) => (release = r));
    const pending = cache.get("h", slow);
    cache.evict("h");
    release(record("key_old"));
    expect((await pending)?.id).toBe("key_old");
    const fresh = vi.fn(async () => null);
    expect(await cache.get("h", fresh)).toBeNull();
    expect(fresh).toHaveBeenCalledTimes(1);
  });

  it("stays bounded under a flood of unknown keys", async () => {
    const cache = new KeyCache(10_000, 100);
    for (let i = 0; i < 1000; i++) await cache.get(`h${i}`, async () => null);
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it("a TTL of 0 reads the store every time", async () => {
    const cache = new KeyCache(0);
    const load = vi.fn(async () => null);
    await cache.get("h", load);
    await cache.get("h", load);
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe("key service", () => {
  it("stores only the hash, evicts on rotate/update/delete, and checks expiry and disabled", async () => {
    let now = Date.parse("2026-11-21T12:00:00Z");
    const store = memoryStore();
    const keys = new KeyService(store, new KeyCache(60_000, 100, () => now), () => now);
    expect(await keys.anyExist()).toBe(false);
    const { record, key } = await keys.create({ name: "a", expiresAt: "2026-11-21T13:00:00.000Z", owner: undefined });
    expect(await keys.anyExist()).toBe(true);
    expect(record.owner).toBeUndefined();
    expect("owner" in record).toBe(false);
    expect(JSON.stringify(await store.keys.getById(record.id))).not.toContain(key);
    expect(keys.check(await keys.lookup(key)).id).toBe(record.id);

    const rotated = await keys.rotate(record.id);
    expect(await keys.lookup(key)).toBeNull();
    expect((await keys.lookup(rotated!.key))?.id).toBe(record.id);

    await keys.update(record.id, { disabled: true });
    expect(() => keys.check(record)).not.toThrow();
    expect(() => keys.check({ ...record, disabled: true })).toThrow(/disabled/);
    const disabled = await keys.lookup(rotated!.key);
    expect(disabled?.disabled).toBe(true);
    await keys.update(record.id, { disabled: null, expiresAt: null });
    expect((await keys.lookup(rotated!.key))?.expiresAt).toBeUndefined();

    now = Date.parse("2026-11-21T14:00:00Z");
    expect(() => keys.check({ ...record })).toThrow(/expired at 2026-11-21T13:00:00.000Z/);
    expect(() => keys.check(null)).toThrow(/does not exist, was deleted, or was rotated/);

    expect(await keys.delete(record.id)).toBe(true);
    expect(await keys.lookup(rotated!.key)).toBeNull();
    expect(await keys.delete(record.id)).toBe(false);
    expect(await keys.rotate(record.id)).toBeNull();
    expect(await keys.anyExist()).toBe(true); // once keys existed, the gateway does not reopen
  });

  it("the admin view masks bound credentials and never holds the hash", () => {
    const view = keyView({ id: "key_1", hash: "f".repeat(64), hint: "sk-strait-ab…cd", name: "n", createdAt: "c", updatedAt: "u", credentials: { openai: "sk-proj-abcdefgh1234", short: "abc" } });
    expect(view.credentials).toEqual({ openai: "…1234", short: "…" });
    expect(JSON.stringify(view)).not.toContain("f".repeat(64));
    expect(maskSecret("sk-ant-api03-xyz-9876")).toBe("…9876");
  });
});
