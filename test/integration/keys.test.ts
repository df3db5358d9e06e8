/** Virtual keys end to end: the curl session of issue 4, with the official openai SDK as the client. */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryStore } from "../../core/store/memory.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { ADMIN_TOKEN, admin, chat, startKeysGateway, type TestGateway } from "./keys-helpers.js";

const client = (gw: TestGateway, apiKey: string) => new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const say = async (gw: TestGateway, key: string, model = "mock/echo") =>
  (await client(gw, key).chat.completions.create({ model, messages: [{ role: "user", content: "hi there" }] })).choices[0]!.message.content;
const statusOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { status?: number }).status;
  }
};

describe("virtual keys: the admin's curl session", () => {
  let gw: TestGateway;
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "c1", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "bound ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }));
    });
    gw = await startKeysGateway({
      file: { providers: { openai: { baseUrl: `${upstream.url}/v1` } }, models: { fast: ["mock/tool", "mock/echo"] } },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it("creates a key once, and the openai SDK uses it", async () => {
    const created = await admin(gw, "POST", "/admin/keys", { name: "alice", models: ["mock/*", "anthropic/claude-*"], rpm: 60, tpm: 100000, budget: { usd: 20, period: "month" }, expiresAt: "2099-01-01T00:00:00Z" });
    expect(created.status).toBe(201);
    const k = created.json;
    expect(k.id).toMatch(/^key_[0-9A-Za-z]{20}$/);
    expect(k.key).toMatch(/^sk-strait-[0-9A-Za-z]{40}$/);
    expect(k.hint).toBe(`${k.key.slice(0, 14)}…${k.key.slice(-4)}`);
    expect(k).toMatchObject({ object: "virtual_key", name: "alice", rpm: 60, tpm: 100000, budget: { usd: 20, period: "month" }, expiresAt: "2099-01-01T00:00:00.000Z", disabled: false });
    expect(JSON.stringify(k)).not.toContain("hash");

    // Only the hash is stored.
    const stored = await gw.store.keys.getById(k.id);
    expect(stored!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(k.key);

    expect(await say(gw, k.key)).toBe("You said: hi there");
    // The same key as x-api-key (Anthropic-style clients) and as cf-aig-authorization.
    expect((await chat(gw, undefined, "mock/echo", { "x-api-key": k.key })).status).toBe(200);
    expect((await chat(gw, undefined, "mock/echo", { "cf-aig-authorization": `Bearer ${k.key}` })).status).toBe(200);

    // Streaming through the SDK as well.
    const stream = await client(gw, k.key).chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "a b c" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("You said: a b c");
  });

  it("refuses calls without a key once an admin token is set, and unknown keys", async () => {
    const none = await chat(gw, undefined);
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("missing_api_key");
    const bad = await chat(gw, "sk-strait-0000000000000000000000000000000000000000");
    expect(bad.status).toBe(401);
    expect(bad.json.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
    expect(bad.json.error.message).toMatch(/does not exist, was deleted, or was rotated/);
    // The admin token is not an API key.
    expect((await chat(gw, ADMIN_TOKEN)).status).toBe(401);
  });

  it("lists keys with cursor pagination, never showing hashes or keys", async () => {
    for (const name of ["p1", "p2", "p3"]) expect((await admin(gw, "POST", "/admin/keys", { name })).status).toBe(201);
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await admin(gw, "GET", `/admin/keys?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.json.object).toBe("list");
      expect(page.json.data.length).toBeLessThanOrEqual(2);
      for (const k of page.json.data) {
        expect(k.key).toBeUndefined();
        expect(k.hash).toBeUndefined();
        seen.add(k.id);
      }
      cursor = page.json.nextCursor;
      expect(page.json.hasMore).toBe(cursor !== null);
      pages++;
    } while (cursor);
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it("rotates: the old key fails at once, the new one works (admin and self-service)", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "rotating" });
    expect(await say(gw, k.key)).toBe("You said: hi there"); // now cached on this host

    const rotated = await admin(gw, "POST", `/admin/keys/${k.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.id).toBe(k.id);
    expect(rotated.json.key).not.toBe(k.key);
    expect(await statusOf(say(gw, k.key))).toBe(401);
    expect(await say(gw, rotated.json.key)).toBe("You said: hi there");

    const self = await fetch(`${gw.url}/v1/key/rotate`, { method: "POST", headers: { authorization: `Bearer ${rotated.json.key}` } });
    expect(self.status).toBe(200);
    const mine = (await self.json()) as any;
    expect(mine.id).toBe(k.id);
    expect(mine.key).toMatch(/^sk-strait-/);
    expect(await statusOf(say(gw, rotated.json.key))).toBe(401);
    expect(await say(gw, mine.key)).toBe("You said: hi there");
  });

  it("deleted, disabled and expired keys get 401 with a clear message", async () => {
    const { json: d } = await admin(gw, "POST", "/admin/keys", { name: "to-delete" });
    expect(await say(gw, d.key)).toBe("You said: hi there");
    expect((await admin(gw, "DELETE", `/admin/keys/${d.id}`)).json).toEqual({ id: d.id, object: "virtual_key", deleted: true });
    expect((await chat(gw, d.key)).status).toBe(401);
    expect((await admin(gw, "GET", `/admin/keys/${d.id}`)).status).toBe(404);
    expect((await admin(gw, "DELETE", `/admin/keys/${d.id}`)).status).toBe(404);

    const { json: off } = await admin(gw, "POST", "/admin/keys", { name: "to-disable" });
    expect(await say(gw, off.key)).toBe("You said: hi there");
    expect((await admin(gw, "PATCH", `/admin/keys/${off.id}`, { disabled: true })).json.disabled).toBe(true);
    const disabled = await chat(gw, off.key);
    expect(disabled.status).toBe(401);
    expect(disabled.json.error).toMatchObject({ code: "key_disabled" });
    expect((await admin(gw, "PATCH", `/admin/keys/${off.id}`, { disabled: null })).json.disabled).toBe(false);
    expect((await chat(gw, off.key)).status).toBe(200);

    const { json: soon } = await admin(gw, "POST", "/admin/keys", { name: "short-lived", expiresAt: new Date(Date.now() + 1000).toISOString() });
    expect(await say(gw, soon.key)).toBe("You said: hi there");
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await chat(gw, soon.key);
    expect(expired.status).toBe(401);
    expect(expired.json.error.code).toBe("key_expired");
    expect(expired.json.error.message).toContain(soon.expiresAt);
  });

  it("enforces the model allow-list after routing (403), aliases per target or by name", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "echo-only", models: ["mock/echo"] });
    expect(await say(gw, k.key)).toBe("You said: hi there");
    const denied = await chat(gw, k.key, "mock/tool");
    expect(denied.status).toBe(403);
    expect(denied.json.error).toMatchObject({ type: "permission_error", code: "model_not_allowed" });
    expect(denied.json.error.message).toContain("mock/echo");
    // Alias "fast" = [mock/tool, mock/echo]: only the allowed target remains.
    const viaAlias = await chat(gw, k.key, "fast");
    expect(viaAlias.status).toBe(200);
    expect(viaAlias.headers.get("cf-aig-step")).toBe("0");
    expect((await chat(gw, k.key, "openai/gpt-4o-mini")).status).toBe(403);
    // Pass-through routes name no model: a key limited to some models may not use them.
    const pt = await fetch(`${gw.url}/openai/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" }, body: "{}" });
    expect(pt.status).toBe(403);

    // GET /v1/models shows such a key only what it may use.
    const listed = (await (await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } })).json()) as any;
    expect(listed.data.map((m: any) => m.id)).toEqual(["mock/echo"]);

    const { json: byName } = await admin(gw, "POST", "/admin/keys", { name: "alias-only", models: ["fast"] });
    expect((await chat(gw, byName.key, "fast")).status).toBe(200);
    expect((await chat(gw, byName.key, "mock/echo")).status).toBe(403);
  });

  it("sends the key's bound provider credential upstream, and masks it in the admin API", async () => {
    const secret = "sk-bound-provider-key-1234";
    const created = await admin(gw, "POST", "/admin/keys", { name: "bound", credentials: { openai: secret } });
    expect(created.status).toBe(201);
    expect(created.json.credentials).toEqual({ openai: "…1234" });
    expect(JSON.stringify((await admin(gw, "GET", `/admin/keys/${created.json.id}`)).json)).not.toContain(secret);
    expect(await say(gw, created.json.key, "openai/gpt-4o-mini")).toBe("bound ok");
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${secret}`);
  });
});

describe("two hosts on one store", () => {
  it("a rotation is immediate on the host that did it and within the cache TTL on the other", async () => {
    const store = memoryStore();
    const a = await startKeysGateway({ store, env: { STRAIT_KEY_CACHE_TTL_MS: "400" } });
    const b = await startKeysGateway({ store, env: { STRAIT_KEY_CACHE_TTL_MS: "400" } });
    try {
      const { json: k } = await admin(a, "POST", "/admin/keys", { name: "shared" });
      expect((await chat(a, k.key)).status).toBe(200);
      expect((await chat(b, k.key)).status).toBe(200); // b caches the record now
      const { json: r } = await admin(a, "POST", `/admin/keys/${k.id}/rotate`);
      expect((await chat(a, k.key)).status).toBe(401);
      expect((await chat(b, k.key)).status).toBe(200); // still inside b's TTL
      expect((await chat(b, r.key)).status).toBe(200);
      await new Promise((res) => setTimeout(res, 450));
      expect((await chat(b, k.key)).status).toBe(401);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("auth mode", () => {
  it("an open local gateway requires keys once any key exists; gateway tokens keep working", async () => {
    const store = memoryStore();
    const gw = await startKeysGateway({ store, admin: false, env: { STRAIT_KEY_CACHE_TTL_MS: "0" } });
    try {
      expect((await chat(gw, undefined)).status).toBe(200);
      await store.keys.put({ id: "key_external", hash: "0".repeat(64), hint: "sk-strait-0000…0000", name: "x", createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" });
      const res = await chat(gw, undefined);
      expect(res.status).toBe(401);
      expect((await admin(gw, "GET", "/admin/keys")).status).toBe(404);
    } finally {
      await gw.close();
    }
    const withTokens = await startKeysGateway({ store, env: { STRAIT_GATEWAY_TOKENS: "gw-token-1" } });
    try {
      expect((await chat(withTokens, "gw-token-1")).status).toBe(200);
      const { json: k } = await admin(withTokens, "POST", "/admin/keys", { name: "both" });
      expect((await chat(withTokens, k.key)).status).toBe(200);
      expect((await chat(withTokens, "not-a-token")).status).toBe(401);
    } finally {
      await withTokens.close();
    }
  });

  it("a deployed gateway with nothing configured refuses all traffic", async () => {
    const gw = await startKeysGateway({ admin: false, allowOpen: false });
    try {
      const res = await chat(gw, undefined);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe("gateway_not_configured");
    } finally {
      await gw.close();
    }
  });
});
