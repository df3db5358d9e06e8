import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../functions/node/server.js";
import { fixtureJson, fixtureText, sseEvents } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";
import { sendJson, sendStream, type MockUpstream, startMockUpstream } from "../helpers/mock-upstream.js";
import { replayOpenAI } from "../helpers/openai-upstream.js";

/** The official openai SDK against the real local server, with a local upstream replaying OpenAI's wire format. */
let upstream: MockUpstream;
let gateway: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startMockUpstream((req, res) => replayOpenAI(req, res));
  gateway = await startGateway({
    providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-test-key-a", "sk-test-key-b"] } },
    models: { fast: { strategy: "fallback", targets: ["mock/error-503", "openai/gpt-4o-mini"] } },
  });
  client = new OpenAI({ apiKey: "unused-by-open-gateway", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
afterEach(() => {
  upstream.requests.length = 0;
  upstream.handle((req, res) => replayOpenAI(req, res));
});

const messages = [{ role: "user" as const, content: "Say hello" }];
const weatherTool = {
  type: "function" as const,
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

describe("chat completions", () => {
  it("answers a non-streamed chat exactly as the upstream did", async () => {
    const res = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages });
    expect(res).toEqual(fixtureJson("openai/chat.json"));
    const sent = JSON.parse(upstream.requests[0]!.body);
    expect(sent.model).toBe("gpt-4o-mini");
    expect(sent.messages).toEqual(messages);
    expect(upstream.requests[0]!.headers.authorization).toMatch(/^Bearer sk-test-key-[ab]$/);
  });

  it("streams chunks through and asks the upstream for usage without showing it to a client that didn't ask", async () => {
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello! How can I help you today?");
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
    expect(JSON.parse(upstream.requests[0]!.body).stream_options).toEqual({ include_usage: true });
  });

  it("passes the usage chunk on when the client asked for it", async () => {
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 });
  });

  it("keeps every byte of the upstream's chunks (unknown fields included)", async () => {
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(await res.text()).toBe(fixtureText("openai/chat-stream.sse"));
  });

  it("returns parallel tool calls, streamed and not", async () => {
    const res = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, tools: [weatherTool] });
    expect(res.choices[0]!.finish_reason).toBe("tool_calls");
    expect(res.choices[0]!.message.tool_calls?.map((t) => t.type === "function" && t.function.arguments)).toEqual(['{"city":"Paris"}', '{"city":"Tokyo"}']);

    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, tools: [weatherTool], stream: true });
    const args: string[] = [];
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args[call.index] = (args[call.index] ?? "") + (call.function?.arguments ?? "");
    }
    expect(args).toEqual(['{"city":"Paris"}', '{"city":"Tokyo"}']);
    expect(JSON.parse(upstream.requests[1]!.body).tools).toEqual([weatherTool]);
  });

  it("sends a tool result conversation through unchanged", async () => {
    const history = [
      { role: "user" as const, content: "Weather in Paris?" },
      { role: "assistant" as const, content: null, tool_calls: [{ id: "call_1", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool" as const, tool_call_id: "call_1", content: "18°C, sunny" },
    ];
    await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: history });
    expect(JSON.parse(upstream.requests[0]!.body).messages).toEqual(history);
  });
});

describe("other endpoints", () => {
  it("embeds", async () => {
    const res = await client.embeddings.create({ model: "openai/text-embedding-3-small", input: ["a", "b"], encoding_format: "float" });
    expect(res.data).toHaveLength(2);
    expect(res.usage.prompt_tokens).toBe(8);
    expect(JSON.parse(upstream.requests[0]!.body).model).toBe("text-embedding-3-small");
  });

  it("serves legacy completions", async () => {
    const res = await client.completions.create({ model: "openai/gpt-3.5-turbo-instruct", prompt: "Say this is a test" });
    expect(res.choices[0]!.text).toBe("\n\nThis is a test.");
  });

  it("lists aliases, provider models and provider/* patterns", async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(["fast", "openai/gpt-4o-mini", "openai/*", "mock/echo", "mock/*"]));
  });

  it("serves the built-in mock provider with no key at all", async () => {
    const res = await client.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] });
    expect(res.choices[0]!.message.content).toBe("You said: hi");
  });
});

describe("routing", () => {
  it("falls back to the next target of an alias and says which answered", async () => {
    const { data, response } = await client.chat.completions.create({ model: "fast", messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello! How can I help you today?");
    expect(response.headers.get("cf-aig-step")).toBe("1");
  });

  it("routes a bare model with the x-provider header", async () => {
    const res = await client.chat.completions.create({ model: "gpt-4o-mini", messages }, { headers: { "x-provider": "openai" } });
    expect(res.id).toBe(fixtureJson("openai/chat.json").id);
  });

  it("answers 404 for an unknown model, listing what is available", async () => {
    const err = await client.chat.completions.create({ model: "gpt-4o-mini", messages }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.message).toContain("openai");
    expect(err.code).toBe("model_not_found");
  });

  it("answers 404 for an unknown provider in x-provider", async () => {
    const err = await client.chat.completions.create({ model: "m", messages }, { headers: { "x-provider": "nope" } }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("upstream failures", () => {
  it("passes an upstream 400 on as a 400 with the provider's message", async () => {
    upstream.handle((_req, res) => sendJson(res, 400, fixtureJson("openai/error-bad-request.json")));
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, temperature: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("Invalid value for 'temperature'");
  });

  it("turns the gateway's rejected key into a 502 and never shows the key", async () => {
    upstream.handle((_req, res) => sendJson(res, 401, fixtureJson("openai/error-invalid-key.json")));
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(JSON.stringify(err.error)).not.toMatch(/sk-test-key|sk-proj-\*/);
  });

  it("rotates to the next key when one answers 429, and rests the limited key", async () => {
    upstream.handle((req, res) => {
      if (req.headers.authorization === "Bearer sk-test-key-a") return sendJson(res, 429, fixtureJson("openai/error-rate-limit.json"), { "retry-after": "30" });
      return replayOpenAI(req, res);
    });
    // A gateway of its own: the other tests leave their keys cooling down.
    const fresh = await startGateway({ providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-test-key-a", "sk-test-key-b"] } } });
    const c = new OpenAI({ apiKey: "x", baseURL: `${fresh.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 3; i++) await c.chat.completions.create({ model: "openai/gpt-4o-mini", messages });
    await fresh.close();
    const keys = upstream.requests.map((r) => r.headers.authorization);
    expect(keys.filter((k) => k === "Bearer sk-test-key-a").length).toBeLessThanOrEqual(1);
    expect(keys.filter((k) => k === "Bearer sk-test-key-b").length).toBe(3);
  });

  it("maps an upstream 500 to 502", async () => {
    upstream.handle((_req, res) => sendJson(res, 500, { error: { message: "The server had an error while processing your request.", type: "server_error" } }));
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages }).catch((e) => e);
    expect(err.status).toBe(502);
  });

  it("ends the stream with an error event, not [DONE], when the upstream resets mid-stream", async () => {
    upstream.handle(async (_req, res) => {
      const events = sseEvents(fixtureText("openai/chat-stream.sse"));
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(events[0]);
      res.write(events[1]);
      await new Promise((r) => setTimeout(r, 50));
      res.socket?.destroy();
    });
    const raw = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "openai/gpt-4o-mini", messages, stream: true }) });
    const text = await raw.text();
    expect(text).toContain('"Hello"');
    expect(text).toMatch(/data: \{"error":\{"message":"[^"]+","type":"api_error","code":"upstream_stream_error"/);
    expect(text).not.toContain("[DONE]");

    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it("treats a stream that stops without [DONE] or a finish_reason as cut short", async () => {
    upstream.handle((_req, res) => sendStream(res, sseEvents(fixtureText("openai/chat-stream.sse")).slice(0, 3)));
    const text = await (await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "openai/gpt-4o-mini", messages, stream: true }) })).text();
    expect(text).toContain("upstream_truncated");
    expect(text).not.toContain("[DONE]");
  });

  it("gives up on a slow upstream after cf-aig-request-timeout with 504", async () => {
    upstream.handle(async (req, res) => {
      await new Promise((r) => setTimeout(r, 1_000));
      if (!res.destroyed) await replayOpenAI(req, res);
    });
    const started = Date.now();
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages }, { headers: { "cf-aig-request-timeout": "150", "cf-aig-max-attempts": "1" } }).catch((e) => e);
    expect(err.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("retries by default: a 503 once, then the answer, with no header from the client", async () => {
    let calls = 0;
    upstream.handle((req, res) => (++calls === 1 ? sendJson(res, 503, { error: { message: "overloaded" } }) : replayOpenAI(req, res)));
    const res = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages });
    expect(res.choices[0]!.message.content).toBe("Hello! How can I help you today?");
    expect(calls).toBe(2);
  });

  it("waits for an upstream 429's retry-after when it is short, and not when it is longer than the gateway waits", async () => {
    // One key, so no other key of the pool can answer at once instead.
    const single = await startGateway({ providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-test-key-only"] } } });
    const c = new OpenAI({ apiKey: "x", baseURL: `${single.url}/v1`, maxRetries: 0 });
    try {
      let calls = 0;
      upstream.handle((req, res) => (++calls === 1 ? sendJson(res, 429, { error: { message: "slow down", type: "rate_limit_error" } }, { "retry-after-ms": "400" }) : replayOpenAI(req, res)));
      let started = Date.now();
      await c.chat.completions.create({ model: "openai/gpt-4o-mini", messages });
      expect(calls).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);

      calls = 0;
      upstream.handle((_req, res) => (++calls, sendJson(res, 429, { error: { message: "come back in a minute", type: "rate_limit_error" } }, { "retry-after": "60" })));
      started = Date.now();
      const err = await c.chat.completions.create({ model: "openai/gpt-4o-mini", messages }).catch((e) => e);
      expect(err.status).toBe(429);
      expect(err.headers.get("retry-after")).toBe("60");
      expect(calls).toBe(1); // not retried: 60 s is past the gateway's 10 s wait
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await single.close();
    }
  });

  it("retries a failing upstream when asked to with cf-aig-max-attempts", async () => {
    let calls = 0;
    upstream.handle((req, res) => (++calls === 1 ? sendJson(res, 503, { error: { message: "overloaded" } }) : replayOpenAI(req, res)));
    const res = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages }, { headers: { "cf-aig-max-attempts": "2", "cf-aig-retry-delay": "10" } });
    expect(res.choices[0]!.message.content).toBe("Hello! How can I help you today?");
    expect(calls).toBe(2);
  });

  it("aborts the upstream request when the client goes away mid-stream", async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    upstream.handle(async (_req, res) => {
      res.on("close", () => upstreamClosed());
      const events = sseEvents(fixtureText("openai/chat-stream.sse"));
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const e of events) {
        if (res.destroyed) return;
        res.write(e);
        await new Promise((r) => setTimeout(r, 100));
      }
      res.end();
    });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true }, { signal: controller.signal });
    for await (const _ of stream) {
      controller.abort();
      break;
    }
    await expect(Promise.race([closed.then(() => "closed"), new Promise((r) => setTimeout(() => r("still open"), 2_000))])).resolves.toBe("closed");
  });
});

describe("bad input", () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const res = await post("{not json");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });
  });

  it.each([
    ["messages as a string", { model: "openai/gpt-4o-mini", messages: "hi" }, "messages"],
    ["no model", { messages }, "model"],
    ["a number for stream", { model: "openai/gpt-4o-mini", messages, stream: "yes" }, "stream"],
    ["an unknown role", { model: "openai/gpt-4o-mini", messages: [{ role: "wizard", content: "x" }] }, "messages.0.role"],
    ["max_tokens below 1", { model: "openai/gpt-4o-mini", messages, max_tokens: 0 }, "max_tokens"],
    ["an array body", [1, 2], null],
  ])("answers %s with 400 naming the parameter", async (_name, body, param) => {
    const res = await post(JSON.stringify(body));
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.param).toBe(param);
    expect(error.message).not.toMatch(/at .*\.ts:\d+/);
  });

  it("answers a body over the limit with 413", async () => {
    const big = "x".repeat(11 * 1024 * 1024);
    const res = await post(JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: big }] }));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe("request_too_large");
    expect(upstream.requests).toHaveLength(0);
  });

  it("cuts off a chunked body (no Content-Length) at the limit with 413", async () => {
    const piece = new TextEncoder().encode("x".repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 12) c.enqueue(piece);
        else c.close();
      },
    });
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers an unknown path with an OpenAI-shaped 404", async () => {
    const res = await fetch(`${gateway.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.type).toBe("invalid_request_error");
  });
});

describe("gateway authentication", () => {
  let locked: RunningServer;
  beforeAll(async () => {
    locked = await startGateway({ providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-gw-owned"] } } }, { STRAIT_GATEWAY_TOKENS: "gw-token-1,gw-token-2" });
  });
  afterAll(() => locked.close());

  it("rejects a call without a gateway key: 401 AuthenticationError", async () => {
    const c = new OpenAI({ apiKey: "wrong", baseURL: `${locked.url}/v1`, maxRetries: 0 });
    const err = await c.chat.completions.create({ model: "mock/echo", messages }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("accepts any configured gateway token", async () => {
    const c = new OpenAI({ apiKey: "gw-token-2", baseURL: `${locked.url}/v1`, maxRetries: 0 });
    expect((await c.chat.completions.create({ model: "mock/echo", messages })).choices[0]!.message.content).toBe("You said: Say hello");
  });

  it.each(["x-api-key", "api-key", "x-goog-api-key"])("accepts the gateway token in %s, where other SDKs put their key", async (header) => {
    const res = await fetch(`${locked.url}/v1/chat/completions`, { method: "POST", headers: { [header]: "gw-token-1" }, body: JSON.stringify({ model: "mock/echo", messages }) });
    expect(res.status).toBe(200);
  });

  it("uses the client's own provider key when the gateway token comes in cf-aig-authorization and the provider is set to always pass through", async () => {
    const pass = await startGateway({ providers: { openai: { baseUrl: `${upstream.url}/v1`, passthrough: "always", apiKeys: ["sk-gw-owned"] } } }, { STRAIT_GATEWAY_TOKENS: "gw-token-1" });
    try {
      const c = new OpenAI({ apiKey: "sk-client-own", baseURL: `${pass.url}/v1`, maxRetries: 0, defaultHeaders: { "cf-aig-authorization": "Bearer gw-token-1" } });
      await c.chat.completions.create({ model: "openai/gpt-4o-mini", messages });
      expect(upstream.requests[0]!.headers.authorization).toBe("Bearer sk-client-own");
    } finally {
      await pass.close();
    }
  });

  it("refuses all traffic when deployed with no tokens (fail closed)", async () => {
    const closed = await startGateway({}, {}, { allowOpen: false });
    try {
      const res = await fetch(`${closed.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "mock/echo", messages }) });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("gateway_not_configured");
    } finally {
      await closed.close();
    }
  });
});
