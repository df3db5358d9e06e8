/**
 * functions/worker.ts inside workerd, with wrangler.toml's bindings: fail closed, gateway tokens,
 * streamed chat (the built-in mock provider, and an OpenAI-compatible upstream on 127.0.0.1),
 * virtual keys, limits and usage through KV and the StoreObject Durable Object.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import worker from "../../../functions/worker.js";
import dynamoWorker from "../../../functions/worker-dynamodb.js";
import type { WorkerEnv } from "../../../functions/worker/env.js";
import { DYNAMO_TABLES, GATEWAY_TOKEN } from "../shared.js";

const ADMIN_TOKEN = "worker-admin-token-0123456789abcdef";

function workerEnv(vars: Record<string, string | undefined>): WorkerEnv {
  return { ...env, STRAIT_LOG_LEVEL: "silent", ...vars };
}

const upstreamConfig = () =>
  JSON.stringify({ providers: { loopback: { type: "openai-compatible", baseUrl: `${inject("upstreamUrl")}/v1`, apiKeys: ["sk-upstream-test"] } } });

/** One request through the Worker's fetch, then its deferred work (ctx.waitUntil) run out. */
async function call(e: WorkerEnv, path: string, init: RequestInit & { token?: string } = {}, handler: typeof worker = worker) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.body) headers.set("content-type", "application/json");
  const ctx = createExecutionContext();
  const res = await handler.fetch(new Request(`https://strait.example.workers.dev${path}`, { ...init, headers }), e, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const chatBody = (model: string, stream: boolean) => JSON.stringify({ model, stream, messages: [{ role: "user", content: "hello worker" }] });

/** The data: payloads of an SSE body, in order. */
const events = (text: string) =>
  text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice("data: ".length));

describe("the Worker fails closed", () => {
  it("refuses every API call when no gateway token, admin token or key is configured", async () => {
    const e = workerEnv({ STRAIT_STORE: "none" });
    const res = await call(e, "/v1/chat/completions", { method: "POST", body: chatBody("mock/echo", false) });
    expect(res.status).toBe(401);
    expect(res.json().error.code).toBe("gateway_not_configured");
    expect((await call(e, "/v1/models")).status).toBe(401);
  });

  it("refuses a missing or wrong gateway token once one is configured", async () => {
    const e = workerEnv({ STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN });
    expect((await call(e, "/v1/models")).json().error.code).toBe("missing_api_key");
    const wrong = await call(e, "/v1/models", { token: "not-the-token" });
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain("not-the-token");
  });

  it("answers 500 gateway_misconfigured, without details, when the config is broken", async () => {
    const res = await call(workerEnv({ STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN, STRAIT_CONFIG_JSON: "{not json" }), "/v1/models", { token: GATEWAY_TOKEN });
    expect(res.status).toBe(500);
    expect(res.json().error.code).toBe("gateway_misconfigured");
    expect(res.text).not.toContain("not json");
  });

  it("refuses STRAIT_STORE=dynamodb in the KV build, and in the DynamoDB build without AWS credentials", async () => {
    const e = workerEnv({ STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN, STRAIT_STORE: "dynamodb" });
    expect((await call(e, "/v1/models", { token: GATEWAY_TOKEN })).json().error.code).toBe("gateway_misconfigured");
    expect((await call(e, "/v1/models", { token: GATEWAY_TOKEN }, dynamoWorker)).json().error.code).toBe("gateway_misconfigured");
  });
});

describe("the Worker with a gateway token", () => {
  const e = workerEnv({ STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN, STRAIT_CONFIG_JSON: upstreamConfig() });

  it("serves /health and /v1/models", async () => {
    expect((await call(e, "/health")).json()).toEqual({ status: "ok" });
    const models = await call(e, "/v1/models", { token: GATEWAY_TOKEN });
    expect(models.status).toBe(200);
    expect(models.json().data.map((m: { id: string }) => m.id)).toContain("loopback/*");
  });

  it("streams a chat from the built-in mock provider: SSE chunks, then [DONE]", async () => {
    const res = await call(e, "/v1/chat/completions", { method: "POST", token: GATEWAY_TOKEN, body: chatBody("mock/echo", true) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const data = events(res.text);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toContain("hello worker");
  });

  it("streams a chat from an OpenAI-compatible upstream on 127.0.0.1 as the upstream sent it", async () => {
    const res = await call(e, "/v1/chat/completions", { method: "POST", token: GATEWAY_TOKEN, body: chatBody("loopback/gpt-4o-mini", true) });
    expect(res.status).toBe(200);
    const data = events(res.text);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("Hello! How can I help you today?");
    // The usage chunk the gateway asked for on its own is not passed to a client that did not ask.
    expect(chunks.some((c) => c.usage && c.choices.length === 0)).toBe(false);
  });

  it("answers a non-streamed chat from the loopback upstream", async () => {
    const res = await call(e, "/v1/chat/completions", { method: "POST", token: GATEWAY_TOKEN, body: chatBody("loopback/gpt-4o-mini", false) });
    expect(res.status).toBe(200);
    expect(res.json().object).toBe("chat.completion");
  });

  it("a client that goes away mid-stream: the Worker stops, and its deferred work still completes", async () => {
    const ctx = createExecutionContext();
    const req = new Request("https://strait.example.workers.dev/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
      body: chatBody("mock/slow-100", true),
    });
    const res = await worker.fetch(req, e, ctx);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("chat.completion.chunk");
    const started = Date.now();
    await reader.cancel();
    await waitOnExecutionContext(ctx);
    // Well before the mock would have finished its answer (a word every 100 ms).
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("gives an upstream that cannot be reached a 502, not a crash", async () => {
    const dead = workerEnv({ STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN, STRAIT_CONFIG_JSON: JSON.stringify({ providers: { dead: { type: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1" } } }) });
    const res = await call(dead, "/v1/chat/completions", { method: "POST", token: GATEWAY_TOKEN, body: chatBody("dead/x", false) });
    expect([502, 504]).toContain(res.status);
    expect(res.json().error.message).toBeTypeOf("string");
  });
});

describe("virtual keys, limits and usage on KV + the Durable Object", () => {
  const e = workerEnv({ STRAIT_ADMIN_TOKEN: ADMIN_TOKEN, STRAIT_CONFIG_JSON: upstreamConfig() });

  it("a key with rpm 2 gets two requests a minute, then 429 with retry-after; usage is counted", async () => {
    const created = await call(e, "/admin/keys", { method: "POST", token: ADMIN_TOKEN, body: JSON.stringify({ name: "worker-test", rpm: 2 }) });
    expect(created.status).toBe(201);
    const { id, key } = created.json();
    expect(key).toMatch(/^sk-strait-/);

    const first = await call(e, "/v1/chat/completions", { method: "POST", token: key, body: chatBody("mock/echo", true) });
    expect(first.status).toBe(200);
    expect(events(first.text).at(-1)).toBe("[DONE]");
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect((await call(e, "/v1/chat/completions", { method: "POST", token: key, body: chatBody("loopback/gpt-4o-mini", false) })).status).toBe(200);
    const third = await call(e, "/v1/chat/completions", { method: "POST", token: key, body: chatBody("mock/echo", false) });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);

    // Usage was written by deferred work (ctx.waitUntil) into the Durable Object.
    const usage = await call(e, `/admin/usage?key=${id}`, { token: ADMIN_TOKEN });
    expect(usage.status).toBe(200);
    const rows = usage.json().data as Array<{ model: string; requests: number }>;
    expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(2);
  });

  it("200 requests at once against a key with rpm 50: exactly 50 pass", async () => {
    const { key } = (await call(e, "/admin/keys", { method: "POST", token: ADMIN_TOKEN, body: JSON.stringify({ name: "burst", rpm: 50 }) })).json();
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => (await call(e, "/v1/chat/completions", { method: "POST", token: key, body: chatBody("mock/echo", false) })).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(150);
  });

  it("a deleted key stops working at once where it was deleted", async () => {
    const { id, key } = (await call(e, "/admin/keys", { method: "POST", token: ADMIN_TOKEN, body: JSON.stringify({ name: "doomed" }) })).json();
    expect((await call(e, "/v1/models", { token: key })).status).toBe(200);
    expect((await call(e, `/admin/keys/${id}`, { method: "DELETE", token: ADMIN_TOKEN })).status).toBeLessThan(300);
    expect((await call(e, "/v1/models", { token: key })).status).toBe(401);
  });
});

describe("the DynamoDB build (functions/worker-dynamodb.ts) on the AWS tables", () => {
  const e = () =>
    workerEnv({
      STRAIT_ADMIN_TOKEN: ADMIN_TOKEN,
      STRAIT_STORE: "dynamodb",
      STRAIT_LOG_LEVEL: "error",
      STRAIT_DYNAMODB_ENDPOINT: inject("dynamoEndpoint"),
      // dynalite has no transactions; real DynamoDB keeps the default (on).
      STRAIT_DYNAMODB_TRANSACTIONS: "false",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDWORKERTEST",
      AWS_SECRET_ACCESS_KEY: "worker-test-secret",
      STRAIT_TABLE_KEYS: DYNAMO_TABLES.keys,
      STRAIT_TABLE_CACHE: DYNAMO_TABLES.cache,
      STRAIT_TABLE_LIMITS: DYNAMO_TABLES.limits,
      STRAIT_TABLE_USAGE: DYNAMO_TABLES.usage,
    });

  it("creates a key, streams a chat with it, enforces its rpm and records its usage in DynamoDB", async () => {
    const env = e();
    const created = await call(env, "/admin/keys", { method: "POST", token: ADMIN_TOKEN, body: JSON.stringify({ name: "on-dynamo", rpm: 1 }) }, dynamoWorker);
    expect(created.status).toBe(201);
    const { id, key } = created.json();
    const streamed = await call(env, "/v1/chat/completions", { method: "POST", token: key, body: chatBody("mock/echo", true) }, dynamoWorker);
    expect(streamed.status).toBe(200);
    expect(events(streamed.text).at(-1)).toBe("[DONE]");
    expect((await call(env, "/v1/chat/completions", { method: "POST", token: key, body: chatBody("mock/echo", false) }, dynamoWorker)).status).toBe(429);
    const usage = await call(env, `/admin/usage?key=${id}`, { token: ADMIN_TOKEN }, dynamoWorker);
    expect(usage.json().data.reduce((n: number, r: { requests: number }) => n + r.requests, 0)).toBe(1);
  });
});
