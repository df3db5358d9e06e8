import type { ServerResponse } from "node:http";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendJson, sendStream, startMockUpstream, type MockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { ADMIN_TOKEN, admin, startKeysGateway, type TestGateway } from "./keys-helpers.js";
import { hourOf } from "../../core/analytics/observer.js";
import type { AnalyticsRow } from "../../core/store/types.js";
import type { GuardHit } from "../../core/types.js";
import { logEntry } from "../store/contract.js";

/**
 * The request log, analytics and telemetry through the real server: every kind of call leaves
 * one entry that its cf-aig-log-id fetches; analytics add up to what the upstreams reported;
 * spans reach an OTLP collector with the client's trace; nothing stored or exported holds a secret.
 */

const OPENAI_KEY = "sk-upstream-openai-key-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-upstream-key-0123456789abcdef";
const FLAKY_KEY = "flaky-provider-secret-0123456789";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** What the upstreams reported, per provider and per virtual key (the test names the key in the prompt). */
const reported = new Map<string, { in: number; out: number }>();
function report(provider: string, key: string, input: number, output: number) {
  for (const name of [`provider:${provider}`, `key:${key}`]) {
    const r = reported.get(name) ?? { in: 0, out: 0 };
    r.in += input;
    r.out += output;
    reported.set(name, r);
  }
}
const keyIn = (body: string) => /\[(key_[0-9A-Za-z]+)\]/.exec(body)?.[1] ?? "none";
let counter = 0;
const tokens = () => ({ input: 10 + (++counter % 7) * 3, output: 5 + (counter % 5) * 2 });

/** An OpenAI-shaped upstream whose usage differs per call, recorded as it answers. */
function openaiUpstream(req: RecordedRequest, res: ServerResponse) {
  const body = JSON.parse(req.body);
  const { input, output } = tokens();
  report("openai", keyIn(req.body), input, output);
  const usage = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output, prompt_tokens_details: { cached_tokens: 4 } };
  const base = { id: "chatcmpl-1", created: 1, model: body.model };
  if (!body.stream) {
    return sendJson(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Hello from OpenAI" }, finish_reason: "stop" }], usage });
  }
  const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  return sendStream(res, [
    chunk({ role: "assistant", content: "" }),
    chunk({ content: "Hello " }),
    chunk({ content: "streamed" }),
    chunk({}, "stop"),
    `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage })}\n\n`,
    "data: [DONE]\n\n",
  ]);
}

/** An Anthropic-shaped upstream, the same way. */
function anthropicUpstream(req: RecordedRequest, res: ServerResponse) {
  const body = JSON.parse(req.body);
  const { input, output } = tokens();
  report("anthropic", keyIn(req.body), input, output);
  const message = { id: "msg_1", type: "message", role: "assistant", model: body.model, stop_reason: "end_turn", stop_sequence: null };
  if (!body.stream) return sendJson(res, 200, { ...message, content: [{ type: "text", text: "Hello from Claude" }], usage: { input_tokens: input, output_tokens: output } });
  const ev = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify({ type, ...(data as object) })}\n\n`;
  return sendStream(res, [
    ev("message_start", { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: input, output_tokens: 1 } } }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Hello streamed Claude" } }),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: output } }),
    ev("message_stop", {}),
  ]);
}

/** A provider that fails, echoing the credential it was sent (as some do in their error texts). */
function flakyUpstream(req: RecordedRequest, res: ServerResponse) {
  sendJson(res, 500, { error: { message: `internal error for ${req.headers.authorization} (${AWS_SECRET})`, type: "server_error" } });
}

let openai: MockUpstream;
let anthropic: MockUpstream;
let flaky: MockUpstream;
let collector: MockUpstream;
let gw: TestGateway;
let keyA: { id: string; key: string };
let keyB: { id: string; key: string };
let bodiesKey: { id: string; key: string };

beforeAll(async () => {
  openai = await startMockUpstream(openaiUpstream);
  anthropic = await startMockUpstream(anthropicUpstream);
  flaky = await startMockUpstream(flakyUpstream);
  collector = await startMockUpstream((_req, res) => sendJson(res, 200, {}));
  gw = await startKeysGateway({
    file: {
      providers: {
        openai: { baseUrl: `${openai.url}/v1`, apiKeys: [OPENAI_KEY] },
        anthropic: { baseUrl: anthropic.url, apiKeys: [ANTHROPIC_KEY] },
        flaky: { type: "openai-compatible", baseUrl: `${flaky.url}/v1`, apiKeys: [FLAKY_KEY] },
        "aws-bedrock": { region: "us-east-1", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: AWS_SECRET },
      },
      models: { sturdy: { targets: ["flaky/gpt-4o-mini", "openai/gpt-4o-mini"] } },
      retry: { attempts: 1 },
      telemetry: { otlp: { endpoint: `${collector.url}/v1/traces`, headers: { "x-collector-key": "collector-secret-0123456789" } } },
    },
    env: { STRAIT_LOG_BODY_MAX_BYTES: "2048" },
  });
  const create = async (body: unknown) => {
    const r = await admin(gw, "POST", "/admin/keys", body);
    expect(r.status).toBe(201);
    return { id: r.json.id as string, key: r.json.key as string };
  };
  keyA = await create({ name: "team-a", metadata: { team: "search" } });
  keyB = await create({ name: "team-b" });
  bodiesKey = await create({ name: "with-bodies", logBodies: true });
});

afterAll(async () => {
  await gw?.close();
  await Promise.all([openai, anthropic, flaky, collector].map((u) => u?.close()));
});

async function chat(key: { id: string; key: string }, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key.key}`, ...headers },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: `Hello [${key.id}] ${++counter}` }], ...body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

async function entry(id: string | null) {
  expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  await gw.settled();
  const r = await admin(gw, "GET", `/admin/logs/${id}`);
  expect(r.status).toBe(200);
  return r.json;
}

describe("one log entry per request, fetched by its cf-aig-log-id", () => {
  it("a JSON call", async () => {
    const r = await chat(keyA, {});
    expect(r.status).toBe(200);
    expect(r.headers.get("cf-aig-log-id")).toBe(r.headers.get("x-request-id"));
    const e = await entry(r.headers.get("cf-aig-log-id"));
    expect(e).toMatchObject({ object: "log", key: keyA.id, keyName: "team-a", route: "chat", provider: "openai", model: "openai/gpt-4o-mini", servedModel: "gpt-4o-mini", step: 0, status: 200, stream: false, retries: 0, priced: true, metadata: { team: "search" } });
    expect(e.tokens).toMatchObject({ cachedRead: 4 });
    expect(e.tokens.in).toBeGreaterThan(0);
    expect(e.costUsd).toBeGreaterThan(0);
    expect(e.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(e.durationMs).toBeGreaterThanOrEqual(e.ttfbMs);
    expect(e.requestBody).toBeNull(); // bodies are off unless asked for
  });

  it("a stream", async () => {
    const r = await chat(keyA, { stream: true });
    expect(r.text).toContain("[DONE]");
    const e = await entry(r.headers.get("cf-aig-log-id"));
    expect(e).toMatchObject({ stream: true, status: 200, provider: "openai" });
    expect(e.tokens.out).toBeGreaterThan(0);
  });

  it("a cache hit", async () => {
    const body = { messages: [{ role: "user", content: `cache me [${keyA.id}] ${Date.now()}` }] };
    const first = await chat(keyA, body, { "cf-aig-cache-ttl": "600" });
    const second = await chat(keyA, body, { "cf-aig-cache-ttl": "600" });
    expect(second.headers.get("cf-aig-cache-status")).toBe("HIT");
    expect(second.headers.get("cf-aig-log-id")).not.toBe(first.headers.get("cf-aig-log-id"));
    const e = await entry(second.headers.get("cf-aig-log-id"));
    expect(e).toMatchObject({ cache: "HIT", status: 200, costUsd: 0, tokens: { in: 0, out: 0 } });
    expect((await entry(first.headers.get("cf-aig-log-id"))).cache).toBe("MISS");
  });

  it("a fallback", async () => {
    const r = await chat(keyB, { model: "sturdy" });
    expect(r.status).toBe(200);
    const e = await entry(r.headers.get("cf-aig-log-id"));
    expect(e).toMatchObject({ model: "sturdy", servedModel: "gpt-4o-mini", provider: "openai", step: 1, retries: 1, status: 200 });
  });

  it("a 4xx", async () => {
    const r = await chat(keyB, { model: "nowhere/gpt" });
    expect(r.status).toBe(404);
    const e = await entry(r.headers.get("cf-aig-log-id"));
    expect(e).toMatchObject({ status: 404, errorCode: "model_not_found", key: keyB.id, model: "nowhere/gpt", provider: null });
    expect(e.error).toContain("Unknown");
  });

  it("an upstream 5xx, its echo of the credential scrubbed", async () => {
    const r = await chat(keyB, { model: "flaky/gpt-4o-mini" });
    expect(r.status).toBe(502);
    const e = await entry(r.headers.get("cf-aig-log-id"));
    expect(e).toMatchObject({ status: 502, provider: null, retries: 0 });
    expect(e.errorCode).toBeTruthy();
    expect(JSON.stringify(e)).not.toContain(FLAKY_KEY);
  });

  it("/v1/messages and /v1/responses are logged the same way", async () => {
    const claude = new Anthropic({ apiKey: keyA.key, baseURL: gw.url });
    const msg = await claude.messages.create({ model: "anthropic/claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: `Hi [${keyA.id}]` }] }).withResponse();
    expect((await entry(msg.response.headers.get("cf-aig-log-id"))).route).toBe("messages");
    const stream = await claude.messages.create({ model: "anthropic/claude-sonnet-4-5", max_tokens: 50, stream: true, messages: [{ role: "user", content: `Hi [${keyA.id}]` }] }).withResponse();
    for await (const _ of stream.data);
    const e = await entry(stream.response.headers.get("cf-aig-log-id"));
    expect(e).toMatchObject({ route: "messages", stream: true, provider: "anthropic" });
    const oai = new OpenAI({ apiKey: keyB.key, baseURL: `${gw.url}/v1` });
    const resp = await oai.responses.create({ model: "anthropic/claude-haiku-4-5", input: `Hi [${keyB.id}]` }).withResponse();
    expect((await entry(resp.response.headers.get("cf-aig-log-id"))).route).toBe("responses");
  });

  it("cf-aig-collect-log: false stores no entry", async () => {
    const r = await chat(keyB, {}, { "cf-aig-collect-log": "false" });
    expect(r.status).toBe(200);
    expect(r.headers.get("cf-aig-log-id")).toBeNull();
    await gw.settled();
    expect((await admin(gw, "GET", `/admin/logs/${r.headers.get("x-request-id")}`)).status).toBe(404);
  });
});

describe("bodies", () => {
  it("are stored for a key that logs them, scrubbed and capped; a stream as its assembled text", async () => {
    const r = await chat(bodiesKey, { messages: [{ role: "user", content: `my key is ${bodiesKey.key} [${bodiesKey.id}]` }] });
    const e = await entry(r.headers.get("cf-aig-log-id"));
    expect(e.requestBody).toContain("my key is");
    expect(e.requestBody).not.toContain(bodiesKey.key);
    expect(JSON.parse(e.responseBody).choices[0].message.content).toBe("Hello from OpenAI");
    expect(e.truncated).toBe(false);

    const s = await chat(bodiesKey, { stream: true });
    expect(JSON.parse((await entry(s.headers.get("cf-aig-log-id"))).responseBody)).toMatchObject({ text: "Hello streamed" });

    const big = await chat(bodiesKey, { messages: [{ role: "user", content: `${"é".repeat(3000)} [${bodiesKey.id}]` }] });
    const cut = await entry(big.headers.get("cf-aig-log-id"));
    expect(cut.truncated).toBe(true);
    expect(new TextEncoder().encode(cut.requestBody).length).toBeLessThanOrEqual(2048);
  });

  it("cf-aig-collect-log-payload turns them off for a key that logs them, and on for one that doesn't", async () => {
    const off = await chat(bodiesKey, {}, { "cf-aig-collect-log-payload": "false" });
    expect((await entry(off.headers.get("cf-aig-log-id"))).requestBody).toBeNull();
    const on = await chat(keyB, {}, { "cf-aig-collect-log-payload": "true" });
    expect((await entry(on.headers.get("cf-aig-log-id"))).requestBody).toContain("Hello");
  });
});

describe("metadata and feedback", () => {
  it("stores cf-aig-metadata over the key's and filters by it", async () => {
    const tag = `u${Date.now()}`;
    const r = await chat(keyA, {}, { "cf-aig-metadata": JSON.stringify({ user: tag, n: 3, beta: true }) });
    const e = await entry(r.headers.get("cf-aig-log-id"));
    expect(e.metadata).toEqual({ team: "search", user: tag, n: 3, beta: true });
    const list = await admin(gw, "GET", `/admin/logs?metadata=user:${tag}`);
    expect(list.json.data.map((x: { id: string }) => x.id)).toEqual([e.id]);
  });

  it("refuses metadata that is too much or nested, with a 400 that says so", async () => {
    const six = await chat(keyA, {}, { "cf-aig-metadata": JSON.stringify({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }) });
    expect(six.status).toBe(400);
    expect(JSON.parse(six.text).error.message).toMatch(/at most 5 entries.*has 6/);
    const nested = await chat(keyA, {}, { "cf-aig-metadata": JSON.stringify({ a: { b: 1 } }) });
    expect(nested.status).toBe(400);
    expect(JSON.parse(nested.text).error.message).toContain("nested");
    const broken = await chat(keyA, {}, { "cf-aig-metadata": "{not json" });
    expect(broken.status).toBe(400);
  });

  it("a key patches feedback on its own entry, never on another key's; the admin patches and deletes", async () => {
    const r = await chat(keyA, {});
    const id = r.headers.get("cf-aig-log-id")!;
    await gw.settled();
    const own = await fetch(`${gw.url}/v1/logs/${id}`, { method: "PATCH", headers: { authorization: `Bearer ${keyA.key}`, "content-type": "application/json" }, body: JSON.stringify({ feedback: 1, score: 90 }) });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id, feedback: 1, score: 90 });
    const other = await fetch(`${gw.url}/v1/logs/${id}`, { headers: { authorization: `Bearer ${keyB.key}` } });
    expect(other.status).toBe(404);
    const otherPatch = await fetch(`${gw.url}/v1/logs/${id}`, { method: "PATCH", headers: { authorization: `Bearer ${keyB.key}`, "content-type": "application/json" }, body: JSON.stringify({ feedback: -1 }) });
    expect(otherPatch.status).toBe(404);
    const read = await fetch(`${gw.url}/v1/logs/${id}`, { headers: { authorization: `Bearer ${keyA.key}` } });
    expect(await read.json()).toMatchObject({ id, feedback: 1 });

    const patched = await admin(gw, "PATCH", `/admin/logs/${id}`, { feedback: -1, metadata: { reviewed: true } });
    expect(patched.json).toMatchObject({ feedback: -1, score: 90, metadata: { team: "search", reviewed: true } });
    expect((await admin(gw, "PATCH", `/admin/logs/${id}`, { feedback: 2 })).status).toBe(400);
    expect((await admin(gw, "PATCH", `/admin/logs/${id}`, { score: 101 })).status).toBe(400);
    expect((await admin(gw, "DELETE", `/admin/logs/${id}`)).status).toBe(200);
    expect((await admin(gw, "GET", `/admin/logs/${id}`)).status).toBe(404);
    expect((await admin(gw, "GET", "/admin/logs/not-a-log-id")).status).toBe(404);
  });

  it("lists newest first, filtered by key, status class and model, paged", async () => {
    const list = await admin(gw, "GET", `/admin/logs?key=${keyB.id}&limit=2`);
    expect(list.status).toBe(200);
    expect(list.json.data).toHaveLength(2);
    expect(list.json.data[0].createdAt >= list.json.data[1].createdAt).toBe(true);
    const next = await admin(gw, "GET", `/admin/logs?key=${keyB.id}&limit=2&cursor=${encodeURIComponent(list.json.nextCursor)}`);
    expect(next.json.data[0].id).not.toBe(list.json.data[1].id);
    const errors = await admin(gw, "GET", `/admin/logs?key=${keyB.id}&status=5xx`);
    expect(errors.json.data.every((x: { status: number }) => x.status >= 500)).toBe(true);
    expect(errors.json.data.length).toBeGreaterThan(0);
    expect((await admin(gw, "GET", "/admin/logs?stauts=5xx")).status).toBe(400);
    expect((await admin(gw, "GET", "/admin/logs?cursor=garbage")).status).toBe(400);
    expect((await admin(gw, "GET", "/admin/logs?from=yesterday")).status).toBe(400);
  });
});

describe("analytics", () => {
  it("equal the sum of what the upstreams reported, per provider and per key", async () => {
    await gw.settled();
    const byProvider = await admin(gw, "GET", "/admin/analytics?groupBy=provider");
    for (const provider of ["openai", "anthropic"]) {
      const row = byProvider.json.data.find((r: { provider: string }) => r.provider === provider);
      expect(row.tokens.in, provider).toBe(reported.get(`provider:${provider}`)!.in);
      expect(row.tokens.out, provider).toBe(reported.get(`provider:${provider}`)!.out);
    }
    const byKey = await admin(gw, "GET", "/admin/analytics?groupBy=key");
    for (const key of [keyA, keyB, bodiesKey]) {
      const row = byKey.json.data.find((r: { key: string }) => r.key === key.id);
      // Cache hits and refused calls count as requests, never as tokens.
      expect(row.tokens.in, key.id).toBe(reported.get(`key:${key.id}`)!.in);
      expect(row.tokens.out, key.id).toBe(reported.get(`key:${key.id}`)!.out);
    }
    const a = byKey.json.data.find((r: { key: string }) => r.key === keyA.id);
    expect(a.cacheHits).toBeGreaterThanOrEqual(1);
    expect(a.errors["4xx"]).toBeGreaterThanOrEqual(1);
    expect(a.latencyMs.p50).toBeGreaterThan(0);
    expect(a.latencyMs.p99).toBeGreaterThanOrEqual(a.latencyMs.p50);
    const b = byKey.json.data.find((r: { key: string }) => r.key === keyB.id);
    expect(b.errors["5xx"]).toBeGreaterThanOrEqual(1);
    const byHour = await admin(gw, "GET", "/admin/analytics?groupBy=hour");
    expect(byHour.json.totals.requests).toBe(byKey.json.totals.requests);
    expect((await admin(gw, "GET", "/admin/analytics?groupBy=team")).status).toBe(400);
  });
});

describe("guardrails", () => {
  const hit = (policy: string, action: GuardHit["action"], labels?: string[]): GuardHit => ({ policy, rule: "r1", stage: "input", action, count: 2, ...(labels ? { labels } : {}) });

  it("the log shows each entry's hits, and ?guardrail= filters by a hit's policy or action", async () => {
    const keyId = `key_guard${Date.now()}`;
    const now = Date.now();
    const a = logEntry(now - 3, { keyId, guardrails: [hit("pii", "redact", ["EMAIL"]), hit("tox", "flag")] });
    const b = logEntry(now - 2, { keyId, guardrails: [hit("tox", "block")] });
    const c = logEntry(now - 1, { keyId });
    await gw.store.logs!.put([a, b, c]);
    const listed = async (query: string) => {
      const r = await admin(gw, "GET", `/admin/logs?key=${keyId}${query}`);
      expect(r.status, query).toBe(200);
      return r.json.data.map((x: { id: string }) => x.id);
    };
    expect(await listed("")).toEqual([c.id, b.id, a.id]);
    expect(await listed("&guardrail=pii")).toEqual([a.id]);
    expect(await listed("&guardrail=tox")).toEqual([b.id, a.id]);
    expect(await listed("&guardrail=block")).toEqual([b.id]);
    expect(await listed("&guardrail=flag&limit=1")).toEqual([a.id]);
    expect(await listed("&guardrail=nope")).toEqual([]);
    const all = (await admin(gw, "GET", `/admin/logs?key=${keyId}`)).json.data;
    expect(all.map((x: { guardrails: unknown }) => x.guardrails)).toEqual([[], b.guardrails, a.guardrails]);
    expect((await admin(gw, "GET", `/admin/logs/${a.id}`)).json.guardrails).toEqual([
      { policy: "pii", rule: "r1", stage: "input", action: "redact", count: 2, labels: ["EMAIL"] },
      { policy: "tox", rule: "r1", stage: "input", action: "flag", count: 2 },
    ]);
    const empty = await admin(gw, "GET", "/admin/logs?guardrail=");
    expect(empty.status).toBe(400);
    expect(empty.json.error.param).toBe("guardrail");
  });

  it("analytics report calls per policy:action per group and in the totals, and nothing where none acted", async () => {
    const keyId = `key_guard${Date.now()}`;
    const row = (guardrails?: Record<string, number>, model = "m1"): AnalyticsRow => ({
      hour: hourOf(Date.now()),
      keyId,
      provider: "guarded",
      model,
      requests: 1,
      errors4xx: 0,
      errors5xx: 0,
      cacheHits: 0,
      tokensIn: 0,
      tokensOut: 0,
      tokensCached: 0,
      costMicros: 0,
      latency: { "20": 1 },
      ttfb: {},
      ...(guardrails ? { guardrails } : {}),
    });
    await gw.store.analytics!.add(row({ "pii:redact": 1 }));
    await gw.store.analytics!.add(row({ "pii:redact": 1, "tox:block": 1 }));
    await gw.store.analytics!.add(row({ "tox:flag": 1 }, "m2"));
    await gw.store.analytics!.add(row(undefined, "m3"));
    const byModel = await admin(gw, "GET", `/admin/analytics?groupBy=model&key=${keyId}`);
    expect(byModel.status).toBe(200);
    const group = (model: string) => byModel.json.data.find((r: { model: string }) => r.model === `guarded/${model}`);
    expect(group("m1").guardrails).toEqual({ "pii:redact": 2, "tox:block": 1 });
    expect(group("m2").guardrails).toEqual({ "tox:flag": 1 });
    expect(group("m3")).not.toHaveProperty("guardrails");
    expect(byModel.json.totals.guardrails).toEqual({ "pii:redact": 2, "tox:block": 1, "tox:flag": 1 });
    const none = await admin(gw, "GET", `/admin/analytics?groupBy=key&key=${keyB.id}`);
    expect(none.json.data[0]).not.toHaveProperty("guardrails");
    expect(none.json.totals).not.toHaveProperty("guardrails");
  });
});

describe("telemetry", () => {
  it("exports a span per request with the GenAI attributes and the client's trace, and passes the trace upstream", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const r = await chat(keyA, {}, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(r.status).toBe(200);
    const upstreamTrace = openai.requests.at(-1)!.headers.traceparent as string;
    expect(upstreamTrace).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await gw.settled();
    const spans = collector.requests.flatMap((req) => JSON.parse(req.body).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)));
    const mine = spans.filter((s: any) => s.traceId === traceId);
    const server = mine.find((s: any) => s.parentSpanId === "00f067aa0ba902b7");
    expect(server).toBeDefined();
    const attrs = Object.fromEntries(server.attributes.map((a: any) => [a.key, Object.values(a.value)[0]]));
    expect(attrs).toMatchObject({ "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "openai/gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini" });
    expect(Number(attrs["gen_ai.usage.input_tokens"])).toBeGreaterThan(0);
    // The attempt's span is the parent the upstream saw.
    const attempt = mine.find((s: any) => s.parentSpanId === server.spanId);
    expect(upstreamTrace.split("-")[2]).toBe(attempt.spanId);
    expect(collector.requests.at(-1)!.headers["x-collector-key"]).toBe("collector-secret-0123456789");
  });

  it("serves Prometheus metrics behind the admin token", async () => {
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toMatch(/strait_requests_total\{[^}]*provider="openai"[^}]*\} \d+/);
    expect(text).toContain("strait_request_duration_seconds_bucket");
    // The Node process's own: memory and the event loop's delay.
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^nodejs_eventloop_delay_seconds\{quantile="0\.99"\} [\d.e-]+$/m);
  });
});

describe("no secret anywhere", () => {
  it("in any entry, body, analytics row, metric, span or log line", async () => {
    await gw.settled();
    const secrets = [OPENAI_KEY, ANTHROPIC_KEY, FLAKY_KEY, AWS_SECRET, ADMIN_TOKEN, keyA.key, keyB.key, bodiesKey.key, "collector-secret-0123456789"];
    const everything: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: any } = await admin(gw, "GET", `/admin/logs?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      for (const e of page.json.data) everything.push(JSON.stringify((await admin(gw, "GET", `/admin/logs/${e.id}`)).json));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(everything.length).toBeGreaterThan(15);
    everything.push(JSON.stringify((await admin(gw, "GET", "/admin/analytics?groupBy=key")).json));
    everything.push(await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text());
    everything.push(...collector.requests.map((r) => r.body));
    everything.push(JSON.stringify(gw.logs));
    const all = everything.join("\n");
    for (const s of secrets) expect(all.includes(s), `a secret of ${s.length} characters leaked`).toBe(false);
  });
});
