/** The admin API's guard and its answers to bad input: clear OpenAI-shaped 4xx, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("answers unknown admin routes with an OpenAI-shaped 404", async () => {
    const res = await admin(gw, "GET", "/admin/nothing");
    expect(res.status).toBe(404);
    openAIShaped(res.json);
  });
});
