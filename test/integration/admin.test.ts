/** The admin API's guard and its answers to bad input: clear OpenAI-shaped 4xx, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheTenantOfKey } from "../../core/store/cache-prefix.js";
import { memoryStore } from "../../core/store/memory.js";
import { StoreUnavailableError } from "../../core/store/types.js";
import { ADMIN_TOKEN, admin, startKeysGateway, type TestGateway } from "./keys-helpers.js";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startKeysGateway();
});
afterAll(() => gw?.close());

const openAIShaped = (json: any) => {
  expect(Object.keys(json)).toEqual(["error"]);
  expect(typeof json.error.message).toBe("string");
  expect(json.error).toHaveProperty("type");
  expect(json.error).toHaveProperty("code");
  expect(json.error).toHaveProperty("param");
};

describe("admin API: the token", () => {
  it("is off (404) when no admin token is configured", async () => {
    const off = await startKeysGateway({ admin: false });
    try {
      const res = await admin(off, "GET", "/admin/keys");
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("admin_disabled");
      expect(res.json.error.message).toContain("STRAIT_ADMIN_TOKEN");
    } finally {
      await off.close();
    }
  });

  it("refuses a missing or wrong token (401), and never reads one from the URL", async () => {
    const missing = await admin(gw, "GET", "/admin/keys", undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe("missing_admin_token");
    openAIShaped(missing.json);

    const wrong = await admin(gw, "GET", "/admin/keys", undefined, "not-the-token");
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe("invalid_admin_token");
    expect(JSON.stringify(wrong.json)).not.toContain("not-the-token");

    const almost = await admin(gw, "GET", "/admin/keys", undefined, `${ADMIN_TOKEN}x`);
    expect(almost.status).toBe(401);

    for (const q of ["token", "admin_token", "access_token", "key", "authorization"]) {
      const res = await admin(gw, "GET", `/admin/keys?${q}=${ADMIN_TOKEN}`, undefined, null);
      expect(res.status).toBe(401);
    }
    const basic = await fetch(`${gw.url}/admin/keys`, { headers: { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` } });
    expect(basic.status).toBe(401);
    const xApiKey = await fetch(`${gw.url}/admin/keys`, { headers: { "x-api-key": ADMIN_TOKEN } });
    expect(xApiKey.status).toBe(401);
  });

  it("has no CORS: a browser preflight gets no allow-origin", async () => {
    const res = await fetch(`${gw.url}/admin/keys`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const get = await fetch(`${gw.url}/admin/keys`, { headers: { origin: "https://evil.example", authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("admin API: bad input", () => {
  const cases: Array<[string, unknown, number, string, string | null]> = [
    ["malformed JSON", '{"name": "x",', 400, "invalid_json", null],
    ["an empty body", "", 400, "invalid_json", null],
    ["an array", "[1,2]", 400, "invalid_body", null],
    ["a string", '"alice"', 400, "invalid_body", null],
    ["no name", { rpm: 5 }, 400, "missing_field", "name"],
    ["an empty name", { name: "  " }, 400, "invalid_value", "name"],
    ["a number as name", { name: 5 }, 400, "invalid_value", "name"],
    ["rpm as a string", { name: "a", rpm: "60" }, 400, "invalid_value", "rpm"],
    ["a fractional rpm", { name: "a", rpm: 1.5 }, 400, "invalid_value", "rpm"],
    ["a zero tpm", { name: "a", tpm: 0 }, 400, "invalid_value", "tpm"],
    ["a negative maxParallel", { name: "a", maxParallel: -1 }, 400, "invalid_value", "maxParallel"],
    ["models not an array", { name: "a", models: "openai/*" }, 400, "invalid_value", "models"],
    ["a model glob with a space", { name: "a", models: ["openai/gpt 4"] }, 400, "invalid_value", "models.0"],
    ["budget usd as a string", { name: "a", budget: { usd: "20", period: "month" } }, 400, "invalid_value", "budget.usd"],
    ["an unknown budget period", { name: "a", budget: { usd: 20, period: "week" } }, 400, "invalid_value", "budget.period"],
    ["a negative budget", { name: "a", budget: { usd: -1, period: "day" } }, 400, "invalid_value", "budget.usd"],
    ["an unknown budget field", { name: "a", budget: { usd: 1, period: "day", cap: 2 } }, 400, "unknown_field", "budget.cap"],
    ["expiresAt not a date", { name: "a", expiresAt: "tomorrow" }, 400, "invalid_value", "expiresAt"],
    ["expiresAt a bad date", { name: "a", expiresAt: "2030-02-31T00:00:00Z" }, 400, "invalid_value", "expiresAt"],
    ["expiresAt in the past", { name: "a", expiresAt: "2001-01-01T00:00:00Z" }, 400, "invalid_value", "expiresAt"],
    ["expiresAt a number", { name: "a", expiresAt: 1893456000 }, 400, "invalid_value", "expiresAt"],
    ["disabled as a string", { name: "a", disabled: "yes" }, 400, "invalid_value", "disabled"],
    ["a cacheTtlSeconds under a minute", { name: "a", cacheTtlSeconds: 59 }, 400, "invalid_value", "cacheTtlSeconds"],
    ["a cacheTtlSeconds over 30 days", { name: "a", cacheTtlSeconds: 2_592_001 }, 400, "invalid_value", "cacheTtlSeconds"],
    ["a fractional cacheTtlSeconds", { name: "a", cacheTtlSeconds: 60.5 }, 400, "invalid_value", "cacheTtlSeconds"],
    ["cacheTtlSeconds as a string", { name: "a", cacheTtlSeconds: "3600" }, 400, "invalid_value", "cacheTtlSeconds"],
    ["metadata with a number", { name: "a", metadata: { team: 5 } }, 400, "invalid_value", "metadata.team"],
    ["an unknown field", { name: "a", admin: true }, 400, "unknown_field", "admin"],
    ["a client-chosen id", { name: "a", id: "key_mine" }, 400, "unknown_field", "id"],
    ["a client-chosen hash", { name: "a", hash: "00" }, 400, "unknown_field", "hash"],
    ["credentials for an unknown provider", { name: "a", credentials: { nosuch: "sk-1234567890" } }, 400, "invalid_value", "credentials.nosuch"],
    ["credentials not strings", { name: "a", credentials: { openai: 5 } }, 400, "invalid_value", "credentials.openai"],
  ];

  for (const [what, body, status, code, param] of cases) {
    it(`POST /admin/keys with ${what} → ${status} ${code}`, async () => {
      const res = await admin(gw, "POST", "/admin/keys", body);
      expect(res.status).toBe(status);
      openAIShaped(res.json);
      expect(res.json.error.type).toBe("invalid_request_error");
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.param).toBe(param);
    });
  }

  it("names the field in the message", async () => {
    const res = await admin(gw, "POST", "/admin/keys", { name: "a", budget: { usd: "20", period: "month" } });
    expect(res.json.error.message).toBe("Invalid value for 'budget.usd': must be a number");
    const unknown = await admin(gw, "POST", "/admin/keys", { name: "a", colour: "red" });
    expect(unknown.json.error.message).toBe("Unknown field 'colour' in the request body.");
  });

  it("refuses a body over 64 KiB with 413", async () => {
    const res = await admin(gw, "POST", "/admin/keys", { name: "a", metadata: { big: "x".repeat(70 * 1024) } });
    expect(res.status).toBe(413);
    openAIShaped(res.json);
  });

  it("PATCH validates the same fields, null clears one, unknown ids are 404", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "patchme", rpm: 5, budget: { usd: 1, period: "day" } });
    expect((await admin(gw, "PATCH", `/admin/keys/${k.id}`, { rpm: "x" })).json.error.param).toBe("rpm");
    expect((await admin(gw, "PATCH", `/admin/keys/${k.id}`, { name: null })).status).toBe(400);
    expect((await admin(gw, "PATCH", `/admin/keys/${k.id}`, { nope: 1 })).json.error.code).toBe("unknown_field");
    expect((await admin(gw, "PATCH", `/admin/keys/${k.id}`, "{bad")).json.error.code).toBe("invalid_json");
    const patched = await admin(gw, "PATCH", `/admin/keys/${k.id}`, { rpm: null, budget: null, name: "renamed", metadata: { team: "ml" } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: k.id, name: "renamed", rpm: null, budget: null, metadata: { team: "ml" } });
    expect(patched.json.updatedAt >= k.updatedAt).toBe(true);
    expect((await admin(gw, "PATCH", "/admin/keys/key_doesnotexist", { rpm: 1 })).status).toBe(404);
    expect((await admin(gw, "POST", "/admin/keys/key_doesnotexist/rotate")).status).toBe(404);
    for (const id of ["not-a-key-id", "key_", "key_a%2F..%2Fb", "x".repeat(300)]) {
      for (const [method, suffix] of [["GET", ""], ["PATCH", ""], ["DELETE", ""], ["POST", "/rotate"]] as const) {
        const res = await admin(gw, method, `/admin/keys/${id}${suffix}`, method === "PATCH" ? { rpm: 1 } : undefined);
        expect(res.status).toBe(404);
        expect(res.json.error.code).toBe("key_not_found");
        expect(res.json.error.message.length).toBeLessThan(200);
      }
    }
    const missing = await admin(gw, "GET", "/admin/keys/key_doesnotexist");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("key_not_found");
  });

  it("shows a key with its spend, never its hash", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "show" });
    const res = await admin(gw, "GET", `/admin/keys/${k.id}`);
    expect(res.status).toBe(200);
    expect(res.json.spend).toEqual({ day: 0, month: 0, total: 0 });
    expect(res.json.hash).toBeUndefined();
    expect(res.json.key).toBeUndefined();
  });

  it("validates list and usage query parameters", async () => {
    for (const q of ["limit=0", "limit=abc", "limit=101", "limit=-1"]) {
      const res = await admin(gw, "GET", `/admin/keys?${q}`);
      expect(res.status).toBe(400);
      expect(res.json.error.param).toBe("limit");
    }
    for (const q of ["from=yesterday", "to=2026-13-45", "from=2026-11-02&to=2026-11-01"]) {
      const res = await admin(gw, "GET", `/admin/usage?${q}`);
      expect(res.status).toBe(400);
      openAIShaped(res.json);
    }
    const ok = await admin(gw, "GET", "/admin/usage?from=2026-01-01&to=2026-12-31");
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ object: "list", totals: { requests: expect.any(Number) } });
  });

  it("reports cache hits per usage row and in the totals", async () => {
    const keyId = "key_adminUsageCache";
    await gw.store.usage.add({ keyId, day: "2031-02-03", model: "openai/gpt-4o-mini", requests: 4, cacheHits: 3, tokensIn: 10, tokensOut: 20, costMicros: 1500 });
    await gw.store.usage.add({ keyId, day: "2031-02-03", model: "mock/echo", requests: 2, cacheHits: 0, tokensIn: 4, tokensOut: 8, costMicros: 0 });
    const res = await admin(gw, "GET", `/admin/usage?key=${keyId}`);
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([
      { key: keyId, day: "2031-02-03", model: "mock/echo", requests: 2, cacheHits: 0, tokensIn: 4, tokensOut: 8, costUsd: 0 },
      { key: keyId, day: "2031-02-03", model: "openai/gpt-4o-mini", requests: 4, cacheHits: 3, tokensIn: 10, tokensOut: 20, costUsd: 0.0015 },
    ]);
    expect(res.json.totals).toEqual({ requests: 6, cacheHits: 3, tokensIn: 14, tokensOut: 28, costUsd: 0.0015 });
  });

  it("answers unknown admin routes with an OpenAI-shaped 404", async () => {
    const res = await admin(gw, "GET", "/admin/nothing");
    expect(res.status).toBe(404);
    openAIShaped(res.json);
  });
});

describe("admin API: a key's default cache TTL", () => {
  it("is set on create, shown, changed and cleared with null", async () => {
    const created = await admin(gw, "POST", "/admin/keys", { name: "ttl", cacheTtlSeconds: 3600 });
    expect(created.status).toBe(201);
    expect(created.json.cacheTtlSeconds).toBe(3600);
    const id = created.json.id;
    expect((await admin(gw, "GET", `/admin/keys/${id}`)).json.cacheTtlSeconds).toBe(3600);
    expect((await admin(gw, "PATCH", `/admin/keys/${id}`, { cacheTtlSeconds: 2_592_000 })).json.cacheTtlSeconds).toBe(2_592_000);
    expect((await gw.store.keys.getById(id))!.cacheTtlSeconds).toBe(2_592_000);
    expect((await admin(gw, "PATCH", `/admin/keys/${id}`, { cacheTtlSeconds: 10 })).json.error.message).toBe("Invalid value for 'cacheTtlSeconds': must be at least 60 seconds");
    const cleared = await admin(gw, "PATCH", `/admin/keys/${id}`, { cacheTtlSeconds: null });
    expect(cleared.json.cacheTtlSeconds).toBeNull();
    expect((await gw.store.keys.getById(id))!).not.toHaveProperty("cacheTtlSeconds");
    expect((await admin(gw, "POST", "/admin/keys", { name: "no-ttl" })).json.cacheTtlSeconds).toBeNull();
  });
});

describe("admin API: a key's translation settings", () => {
  it("strictTools and promptCaching are set, shown and cleared; other values are refused", async () => {
    const created = await admin(gw, "POST", "/admin/keys", { name: "codex", strictTools: true, promptCaching: "auto" });
    expect(created.json).toMatchObject({ strictTools: true, promptCaching: "auto" });
    const id = created.json.id;
    expect((await admin(gw, "PATCH", `/admin/keys/${id}`, { strictTools: null, promptCaching: null })).json).toMatchObject({ strictTools: false, promptCaching: null });
    expect((await admin(gw, "PATCH", `/admin/keys/${id}`, { promptCaching: "always" })).json.error.param).toBe("promptCaching");
    expect((await admin(gw, "PATCH", `/admin/keys/${id}`, { strictTools: "yes" })).json.error.param).toBe("strictTools");
  });
});

describe("admin API: DELETE /admin/cache", () => {
  const entry = (tenant: string, n: number) => `${tenant}/${n.toString(16).padStart(64, "0")}`;
  const fill = async (keys: string[]) => {
    for (const k of keys) await gw.store.cache.put(k, "answer", 600);
  };

  it("purges one key's entries with ?key=, and only those", async () => {
    const a = cacheTenantOfKey("key_cacheA");
    const b = cacheTenantOfKey("key_cacheAB");
    await fill([entry(a, 1), entry(a, 2), entry(b, 1), entry("token-0", 1)]);
    const res = await admin(gw, "DELETE", "/admin/cache?key=key_cacheA");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ object: "cache.purge", deleted: 2 });
    expect(await gw.store.cache.get(entry(a, 1))).toBeNull();
    expect(await gw.store.cache.get(entry(b, 1))).toBe("answer");
    expect(await gw.store.cache.get(entry("token-0", 1))).toBe("answer");
    expect((await admin(gw, "DELETE", "/admin/cache?key=key_neverissued")).json).toEqual({ object: "cache.purge", deleted: 0 });
  });

  it("purges everything without a key", async () => {
    await gw.store.cache.purge();
    await fill([entry(cacheTenantOfKey("key_x1"), 1), entry(cacheTenantOfKey("key_x2"), 1), entry("token-0", 2)]);
    const res = await admin(gw, "DELETE", "/admin/cache");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ object: "cache.purge", deleted: 3 });
    expect(await gw.store.cache.get(entry("token-0", 2))).toBeNull();
    expect((await admin(gw, "DELETE", "/admin/cache")).json.deleted).toBe(0);
  });

  it("refuses ids the gateway never issues (404), an empty or misspelt parameter (400), and no token (401)", async () => {
    await fill([entry(cacheTenantOfKey("key_kept"), 1)]);
    for (const id of ["not-a-key-id", "key_", "key_a%2F..%2Fb", "x".repeat(300)]) {
      const res = await admin(gw, "DELETE", `/admin/cache?key=${id}`);
      expect(res.status).toBe(404);
      openAIShaped(res.json);
      expect(res.json.error).toMatchObject({ code: "key_not_found", param: "key" });
    }
    const empty = await admin(gw, "DELETE", "/admin/cache?key=");
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatchObject({ code: "invalid_value", param: "key" });
    const typo = await admin(gw, "DELETE", "/admin/cache?kye=key_kept");
    expect(typo.status).toBe(400);
    expect(typo.json.error).toMatchObject({ code: "unknown_field", param: "kye", message: "Unknown query parameter 'kye'." });
    expect((await admin(gw, "DELETE", "/admin/cache", undefined, null)).status).toBe(401);
    expect(await gw.store.cache.get(entry(cacheTenantOfKey("key_kept"), 1))).toBe("answer");
  });

  it("answers a store failure with 503 store_unavailable, logged", async () => {
    const store = memoryStore();
    store.cache.purge = async () => {
      throw new StoreUnavailableError("DynamoDB Scan throttled: ThrottlingException", "ThrottlingException", true);
    };
    const failing = await startKeysGateway({ store });
    try {
      const res = await admin(failing, "DELETE", "/admin/cache?key=key_abc");
      expect(res.status).toBe(503);
      openAIShaped(res.json);
      expect(res.json.error).toMatchObject({ code: "store_unavailable", type: "api_error" });
      expect(res.headers.get("retry-after")).toBe("1");
      expect(failing.logs.find((l) => l.level === "error")?.fields).toMatchObject({ stage: "admin", code: "ThrottlingException" });
    } finally {
      await failing.close();
    }
  });
});
