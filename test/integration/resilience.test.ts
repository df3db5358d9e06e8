import { VERSION } from "../../core/version.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../functions/node/server.js";
import { sendJson, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { replayOpenAI } from "../helpers/openai-upstream.js";
import { ADMIN_TOKEN, admin, startKeysGateway } from "./keys-helpers.js";

/** Circuit breakers and alias fallback rules, through the real server. */
const TOKEN = "gateway-token-resilience-0001";
let primary: MockUpstream;
let backup: MockUpstream;
let gw: RunningServer;

beforeAll(async () => {
  primary = await startMockUpstream((req, res) => replayOpenAI(req, res));
  backup = await startMockUpstream((req, res) => replayOpenAI(req, res));
  gw = await startKeysGateway({
    env: { STRAIT_GATEWAY_TOKENS: TOKEN },
    file: {
      providers: {
        primary: { type: "openai-compatible", baseUrl: `${primary.url}/v1`, apiKeys: ["sk-primary-0001"] },
        backup: { type: "openai-compatible", baseUrl: `${backup.url}/v1`, apiKeys: ["sk-backup-0001"] },
      },
      models: {
        chain: ["primary/gpt-4o-mini", "backup/gpt-4o-mini"],
        picky: { targets: ["primary/picky", "backup/gpt-4o-mini"], onStatusCodes: [429, 503] },
      },
      retry: { delayMs: 0 },
      breaker: { failures: 3, windowMs: 30_000, cooldownMs: 1_000 },
    },
  });
});
afterAll(async () => {
  await gw.close();
  await primary.close();
  await backup.close();
});
afterEach(() => {
  primary.requests.length = 0;
  backup.requests.length = 0;
  primary.handle((req, res) => replayOpenAI(req, res));
});

async function chat(model: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

describe("circuit breaker", () => {
  it("rests a target that keeps failing, answers from the next, and probes it again after the cool-down", async () => {
    primary.handle((_req, res) => sendJson(res, 503, { error: { message: "overloaded" } }));
    // Three failed attempts (one request, retried twice) open the primary's breaker.
    const first = await chat("chain");
    expect(first.headers.get("cf-aig-step")).toBe("1");
    expect(primary.requests).toHaveLength(3);

    const second = await chat("chain");
    expect(second.status).toBe(200);
    expect(second.headers.get("cf-aig-step")).toBe("1");
    expect(primary.requests).toHaveLength(3); // skipped

    const health = await admin(gw, "GET", "/admin/health");
    expect(health.status).toBe(200);
    expect(health.json.targets).toContainEqual(expect.objectContaining({ target: "primary/gpt-4o-mini", state: "open" }));
    // What the dashboard's health page shows besides: the store, the version, the providers and their credentials (never the key).
    expect(health.json).toMatchObject({ store: "memory", version: VERSION });
    expect(health.json.providers).toContainEqual({ name: "mock", type: "mock", hasKey: false, keys: 0, credential: "not needed" });
    expect(JSON.stringify(health.json)).not.toMatch(/sk-|secret/i);

    // Alone, an open target is not called at all: 503 with the time to wait.
    const alone = await chat("primary/gpt-4o-mini");
    expect(alone.status).toBe(503);
    expect(alone.json.error.code).toBe("circuit_open");
    expect(Number(alone.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(primary.requests).toHaveLength(3);

    await new Promise((r) => setTimeout(r, 1_050));
    primary.handle((req, res) => replayOpenAI(req, res));
    const probe = await chat("chain");
    expect(probe.headers.get("cf-aig-step")).toBe("0");
    expect((await admin(gw, "GET", "/admin/health")).json.targets).toEqual([]);
  });

  it("does not count a client's bad request against the target", async () => {
    primary.handle((_req, res) => sendJson(res, 400, { error: { message: "bad request" } }));
    for (let i = 0; i < 4; i++) expect((await chat("primary/gpt-4o-mini")).status).toBe(400);
    primary.handle((req, res) => replayOpenAI(req, res));
    expect((await chat("primary/gpt-4o-mini")).status).toBe(200);
  });
});

describe("alias onStatusCodes", () => {
  it("falls back only on the listed statuses", async () => {
    primary.handle((_req, res) => sendJson(res, 429, { error: { message: "slow down" } }, { "retry-after": "120" }));
    const listed = await chat("picky");
    expect(listed.status).toBe(200);
    expect(listed.headers.get("cf-aig-step")).toBe("1");

    primary.handle((_req, res) => sendJson(res, 400, { error: { message: "the prompt is bad" } }));
    const unlisted = await chat("picky");
    expect(unlisted.status).toBe(400);
    expect(unlisted.json.error.message).toContain("the prompt is bad");
    expect(backup.requests).toHaveLength(1);
  });
});

describe("the admin health view", () => {
  it("needs the admin token", async () => {
    expect((await admin(gw, "GET", "/admin/health", undefined, null)).status).toBe(401);
    expect(ADMIN_TOKEN).toBeTruthy();
  });
});
