import Anthropic from "@anthropic-ai/sdk";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/types.js";
import { readRest } from "../helpers/body.js";
import { fixtureJson, fixtureText, sseEvents } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";
import { sendJson, sendStream, startMockUpstream, type MockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";

const GATEWAY_TOKEN = "gw-token-passthrough-0123456789";
const ANTHROPIC_KEY = "sk-ant-api03-gateway-owned-key-000000";
const OPENAI_KEY = "sk-proj-gateway-owned-openai-key-000";

/** A recorded HTTP answer (status line, headers, blank line, body) as its parts. */
function httpFixture(path: string) {
  const text = fixtureText(path);
  const blank = /\r?\n\r?\n/.exec(text)!;
  const [status, ...lines] = text.slice(0, blank.index).split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  delete headers["connection"];
  return { status: Number(status!.split(" ")[1]), headers, body: text.slice(blank.index + blank[0].length) };
}

const anthropicStream = httpFixture("anthropic/stream-text.http");
const anthropicJsonHeaders = { ...anthropicStream.headers, "content-type": "application/json" };

function replayAnthropic(req: RecordedRequest, res: ServerResponse) {
  if (req.url !== "/v1/messages") return sendJson(res, 404, { type: "error", error: { type: "not_found_error", message: "Not found" } });
  const body = JSON.parse(req.body);
  if (body.stream) return sendStream(res, sseEvents(anthropicStream.body), { headers: anthropicStream.headers });
  return sendJson(res, 200, fixtureJson("anthropic/response-text.json"), anthropicJsonHeaders);
}

/** Sends the request line exactly as given: fetch would normalize the path first. */
function rawRequest(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method: "POST", path, headers: { "content-type": "application/json", ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe("pass-through routes against mock upstreams, through the real local server", () => {
  let anthropic: MockUpstream;
  let openai: MockUpstream;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  const records: CallRecord[] = [];
  const auth = { authorization: `Bearer ${GATEWAY_TOKEN}` };

  beforeAll(async () => {
    anthropic = await startMockUpstream(replayAnthropic);
    openai = await startMockUpstream((_req, res) =>
      sendJson(res, 200, { id: "resp_1", object: "response", usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 7, total_tokens: 19 } }, fixtureJson("openai/headers.json").json),
    );
    gw = await startGateway(
      {
        providers: {
          anthropic: { baseUrl: anthropic.url, apiKeys: [ANTHROPIC_KEY] },
          openai: { baseUrl: `${openai.url}/v1`, apiKeys: [OPENAI_KEY] },
        },
      },
      { STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN },
    );
    gw.gateway.observers.push((r) => void records.push(r));
  });
  afterAll(async () => {
    await gw?.close();
    await anthropic?.close();
    await openai?.close();
  });
  beforeEach(async () => {
    await gw.settled(); // the calls of the test before are observed (one turn after they finish), so none lands in this one's records
    anthropic.requests.length = 0;
    openai.requests.length = 0;
    records.length = 0;
  });

  it("the official Anthropic SDK, non-streamed: the gateway key is swapped for the provider key", async () => {
    const client = new Anthropic({ apiKey: GATEWAY_TOKEN, baseURL: `${gw.url}/anthropic`, maxRetries: 0 });
    const msg = await client.messages.create({ model: "claude-haiku-4-5", max_tokens: 64, messages: [{ role: "user", content: "Hello" }] }, { headers: { "anthropic-version": "2023-01-01" } });
    expect(msg).toEqual(fixtureJson("anthropic/response-text.json"));
    const req = anthropic.requests.at(-1)!;
    expect(req.url).toBe("/v1/messages");
    expect(req.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    // The client's own API version travels (the allow-list); the configured one is only a default.
    expect(req.headers["anthropic-version"]).toBe("2023-01-01");
    expect(JSON.stringify(req.headers)).not.toContain(GATEWAY_TOKEN);
    // SDK telemetry, user agent and the like are not on the allow-list.
    expect(Object.keys(req.headers).filter((h) => h.startsWith("x-stainless"))).toEqual([]);
    await settle();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      endpoint: "passthrough",
      provider: "anthropic",
      model: "claude-haiku-4-5",
      status: 200,
      stream: false,
      principal: "token-0",
      // input 2095 + cache writes 1024 + cache reads 8192
      usage: { prompt_tokens: 11311, completion_tokens: 503, total_tokens: 11814, prompt_tokens_details: { cached_tokens: 8192 } },
    });
  });

  it("the official Anthropic SDK, streamed: the provider's own events, untouched, and usage from them", async () => {
    const client = new Anthropic({ apiKey: GATEWAY_TOKEN, baseURL: `${gw.url}/anthropic`, maxRetries: 0 });
    const stream = await client.messages.create({ model: "claude-haiku-4-5", max_tokens: 64, stream: true, messages: [{ role: "user", content: "Hello" }] });
    const types: string[] = [];
    let text = "";
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
    }
    expect(types[0]).toBe("message_start");
    expect(types.at(-1)).toBe("message_stop");
    expect(text).toBe("Grüße aus 東京 🌸 — hello!");
    expect(anthropic.requests.at(-1)!.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    await settle();
    expect(records[0]).toMatchObject({ endpoint: "passthrough", provider: "anthropic", stream: true, status: 200, usage: { prompt_tokens: 25 } });
    expect(records[0]!.usage!.completion_tokens).toBeGreaterThan(1);
  });

  it("the streamed answer's bytes arrive exactly as the upstream sent them", async () => {
    const res = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ model: "m", stream: true }) });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("request-id")).toBe("req_011CVJ3k8Z1tq2nH7vUo5bQm");
    // The gateway's key is shared: its account's rate-limit headers are not the caller's business.
    expect(res.headers.get("anthropic-ratelimit-requests-remaining")).toBeNull();
    for (const h of ["server", "via", "cf-cache-status", "x-robots-tag", "anthropic-organization-id"]) expect(res.headers.get(h), h).toBeNull();
    expect(await res.text()).toBe(anthropicStream.body);
  });

  it("the body reaches the upstream byte for byte, odd spacing and non-ASCII text included", async () => {
    const body = '{ "model" : "claude-sonnet-4-5",\n  "max_tokens":16,"messages":[{"role":"user","content":"h\\u00e9llo — 東京 🌸"}]   }';
    const res = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "POST", headers: { ...auth, "content-type": "application/json", "anthropic-beta": "prompt-caching-2024-07-31" }, body });
    expect(res.status).toBe(200);
    const req = anthropic.requests.at(-1)!;
    expect(req.body).toBe(body);
    expect(req.headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    expect(req.headers["content-type"]).toBe("application/json");
  });

  it("OpenAI's own paths: /openai/v1/responses goes to the host root, /openai/responses to the base URL", async () => {
    for (const path of ["/openai/v1/responses?trace=1", "/openai/responses?trace=1"]) {
      const res = await fetch(`${gw.url}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: '{"model":"gpt-4.1","input":"hi"}' });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-upstream-request-id")).toBe("req_7f1c2b9e4a5d4c3f8e2a1b0c9d8e7f6a");
      expect(res.headers.get("openai-processing-ms")).toBe("412");
      expect(res.headers.get("x-ratelimit-remaining-requests")).toBeNull();
      expect(res.headers.get("openai-organization")).toBeNull();
      const req = openai.requests.at(-1)!;
      expect(req.url).toBe("/v1/responses?trace=1");
      expect(req.headers["authorization"]).toBe(`Bearer ${OPENAI_KEY}`);
    }
    await settle();
    expect(records.at(-1)).toMatchObject({ provider: "openai", model: "gpt-4.1", usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 4 } } });
  });

  it("streaming is incremental: the first bytes reach the client before the upstream has finished", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    anthropic.handle(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n');
      await released;
      res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
    });
    try {
      const res = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: '{"stream":true}' });
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toContain("message_start");
      release();
      expect(await readRest(reader)).toContain("message_stop");
    } finally {
      release();
      anthropic.handle(replayAnthropic);
    }
  });

  it("the provider's errors come back as the provider sent them (status, body, retry-after)", async () => {
    const overloaded = fixtureJson("anthropic/error-overloaded.json");
    anthropic.handle((_req, res) => sendJson(res, 529, overloaded, { "retry-after": "7", "request-id": "req_err" }));
    try {
      const res = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
      expect(res.status).toBe(529);
      expect(res.headers.get("retry-after")).toBe("7");
      expect(await res.json()).toEqual(overloaded);
      await settle();
      expect(records.at(-1)).toMatchObject({ endpoint: "passthrough", status: 529 });
    } finally {
      anthropic.handle(replayAnthropic);
    }
  });

  it("paths that try to leave the provider's API: 400, and no request leaves", async () => {
    const attempts = [
      "/openai/v1/..%2f..%2fadmin",
      "/openai/v1/%2e%2e%2fx",
      "/openai//evil.example/v1/x",
      "/openai/https://evil.example/v1/x",
      "/openai/v1/a%5c..%5cb",
      "/openai/v1\\..\\x",
      "/openai/v1/x%00",
      "/anthropic/v1/messages%2f..%2f..%2fadmin",
      "/anthropic/",
    ];
    for (const path of attempts) {
      const res = await rawRequest(gw.url, path, auth);
      expect(res.status, path).toBe(400);
      // A backslash is refused by the Node adapter itself (an empty 400) before the core sees it.
      if (!path.includes("\\")) expect(JSON.parse(res.body).error.type, path).toBe("invalid_request_error");
    }
    // Dot segments are resolved by the URL parser before routing: they can only reach a gateway path, never another host.
    for (const path of ["/openai/v1/../../../etc/passwd", "/openai/%2e%2e/%2e%2e/x"]) {
      const res = await rawRequest(gw.url, path, auth);
      expect(res.status, path).toBe(404);
    }
    // An absolute-form request target does not choose the upstream host either.
    const absolute = await rawRequest(gw.url, "http://evil.example/openai/v1/responses", auth);
    expect(absolute.status).toBe(200);
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]!.url).toBe("/v1/responses");
    expect(anthropic.requests).toHaveLength(0);
  });

  it("an unknown provider: 404, OpenAI-shaped", async () => {
    const res = await fetch(`${gw.url}/not-a-provider/v1/messages`, { method: "POST", headers: auth, body: "{}" });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ type: "invalid_request_error", code: "unknown_url" });
  });

  it("auth is enforced like /v1: no key or a wrong key is a 401 and nothing is sent", async () => {
    const none = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "POST", body: "{}" });
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe("missing_api_key");
    const wrong = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "POST", headers: { "x-api-key": "sk-ant-not-the-gateway-key" }, body: "{}" });
    expect(wrong.status).toBe(401);
    expect(anthropic.requests).toHaveLength(0);
  });

  it("CORS preflight is answered like /v1", async () => {
    const res = await fetch(`${gw.url}/anthropic/v1/messages`, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "POST" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("pass-through: credentials, limits, timeouts, raw bytes", () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await startMockUpstream((_req, res) => sendJson(res, 200, { ok: true, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }, { "x-ratelimit-remaining-requests": "42" }));
  });
  afterAll(async () => {
    await upstream?.close();
  });
  beforeEach(() => void (upstream.requests.length = 0));

  it("the client's own provider key (gateway key in cf-aig-authorization) is used when the gateway has none", async () => {
    const gw = await startGateway({ providers: { groq: { baseUrl: `${upstream.url}/openai/v1` } } }, { STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN });
    try {
      const res = await fetch(`${gw.url}/groq/chat/completions`, {
        method: "POST",
        headers: { "cf-aig-authorization": `Bearer ${GATEWAY_TOKEN}`, authorization: "Bearer gsk_client_own_key_123", "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status).toBe(200);
      const req = upstream.requests.at(-1)!;
      expect(req.url).toBe("/openai/v1/chat/completions");
      expect(req.headers["authorization"]).toBe("Bearer gsk_client_own_key_123");
      expect(req.headers["cf-aig-authorization"]).toBeUndefined();
      // The caller's own key: its account's rate-limit headers are the caller's.
      expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("42");

      const none = await fetch(`${gw.url}/groq/openai/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${GATEWAY_TOKEN}` }, body: "{}" });
      expect(none.status).toBe(401);
      expect((await none.json()).error.code).toBe("missing_provider_key");
      expect(upstream.requests).toHaveLength(1);
    } finally {
      await gw.close();
    }
  });

  it("the body limit applies: 413 and nothing sent", async () => {
    const gw = await startGateway({ maxBodyBytes: 2048, providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: [OPENAI_KEY] } } });
    try {
      const res = await fetch(`${gw.url}/openai/v1/files`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body: new Uint8Array(4096) });
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe("request_too_large");
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await gw.close();
    }
  });

  it("cf-aig-request-timeout bounds the wait for the upstream's headers: 504", async () => {
    const slow = await startMockUpstream(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1_000));
      sendJson(res, 200, {});
    });
    const gw = await startGateway({ providers: { openai: { baseUrl: `${slow.url}/v1`, apiKeys: [OPENAI_KEY] } } });
    try {
      const started = Date.now();
      const res = await fetch(`${gw.url}/openai/v1/responses`, { method: "POST", headers: { "cf-aig-request-timeout": "150", "cf-aig-max-attempts": "1" }, body: "{}" });
      expect(res.status).toBe(504);
      expect((await res.json()).error.code).toBe("upstream_timeout");
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      await gw.close();
      await slow.close();
    }
  });

  it("an upstream that drops the connection inside a JSON answer: 502, OpenAI-shaped, recorded", async () => {
    const cut = await startMockUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('{"id":"resp_1","output":[');
      setTimeout(() => res.destroy(), 20);
    });
    const gw = await startGateway({ providers: { openai: { baseUrl: `${cut.url}/v1`, apiKeys: [OPENAI_KEY] } } });
    const records: CallRecord[] = [];
    gw.gateway.observers.push((r) => void records.push(r));
    try {
      const res = await fetch(`${gw.url}/openai/v1/responses`, { method: "POST", body: "{}" });
      expect(res.status).toBe(502);
      expect((await res.json()).error.code).toBe("upstream_error");
      await settle();
      expect(records[0]).toMatchObject({ endpoint: "passthrough", status: 502 });
    } finally {
      await gw.close();
      await cut.close();
    }
  });

  it("binary bodies (multipart uploads) pass through unchanged, GET and DELETE too", async () => {
    const received: Array<{ method: string; url: string; body: Buffer; headers: IncomingHttpHeaders }> = [];
    const raw = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from([0, 255, 1, 254]));
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const gw = await startGateway({ providers: { openai: { baseUrl: `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`, apiKeys: [OPENAI_KEY] } } });
    try {
      const bytes = new Uint8Array(1024).map((_, i) => i % 256);
      const up = await fetch(`${gw.url}/openai/v1/files`, { method: "POST", headers: { "content-type": "multipart/form-data; boundary=xyz" }, body: bytes });
      expect(up.status).toBe(200);
      expect(new Uint8Array(await up.arrayBuffer())).toEqual(new Uint8Array([0, 255, 1, 254]));
      expect(received[0]!.body.equals(Buffer.from(bytes))).toBe(true);
      expect(received[0]!.headers["content-type"]).toBe("multipart/form-data; boundary=xyz");

      const get = await fetch(`${gw.url}/openai/v1/files/file-abc/content`);
      expect(get.status).toBe(200);
      const del = await fetch(`${gw.url}/openai/v1/files/file-abc`, { method: "DELETE" });
      expect(del.status).toBe(200);
      expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(["POST /v1/files", "GET /v1/files/file-abc/content", "DELETE /v1/files/file-abc"]);
      expect(received.every((r) => r.headers["authorization"] === `Bearer ${OPENAI_KEY}`)).toBe(true);

      const patch = await fetch(`${gw.url}/openai/v1/files/x`, { method: "PATCH", body: "{}" });
      expect(patch.status).toBe(405);
    } finally {
      await gw.close();
      await new Promise((r) => raw.close(r));
    }
  });

  it("a refused gateway key sits out and the next is tried at once; cf-aig-max-attempts retries a 503", async () => {
    let failNext = 0;
    const flaky = await startMockUpstream((req, res) => {
      if (req.headers["authorization"] === "Bearer sk-revoked-key-0000000") return sendJson(res, 401, { error: { message: "Incorrect API key provided", type: "invalid_request_error" } });
      if (failNext > 0) {
        failNext--;
        return sendJson(res, 503, { error: { message: "overloaded" } });
      }
      sendJson(res, 200, { ok: true });
    });
    const gw = await startGateway({ providers: { openai: { baseUrl: `${flaky.url}/v1`, apiKeys: ["sk-revoked-key-0000000", "sk-good-key-00000000000"] } } });
    try {
      const first = await fetch(`${gw.url}/openai/v1/responses`, { method: "POST", body: "{}" });
      expect(first.status).toBe(200);
      expect(flaky.requests.map((r) => r.headers["authorization"])).toEqual(["Bearer sk-revoked-key-0000000", "Bearer sk-good-key-00000000000"]);

      flaky.requests.length = 0;
      failNext = 1;
      const retried = await fetch(`${gw.url}/openai/v1/responses`, { method: "POST", headers: { "cf-aig-max-attempts": "2", "cf-aig-retry-delay": "10" }, body: "{}" });
      expect(retried.status).toBe(200);
      expect(flaky.requests).toHaveLength(2);

      // By default a 503 is retried (two retries), with no header from the client.
      flaky.requests.length = 0;
      failNext = 1;
      const byDefault = await fetch(`${gw.url}/openai/v1/responses`, { method: "POST", body: "{}" });
      expect(byDefault.status).toBe(200);
      expect(flaky.requests).toHaveLength(2);

      // A native call that may not be safe to repeat (creating a file) makes one attempt unless asked.
      flaky.requests.length = 0;
      failNext = 1;
      const file = await fetch(`${gw.url}/openai/v1/files`, { method: "POST", body: "{}" });
      expect(file.status).toBe(503);
      expect(flaky.requests).toHaveLength(1);

      // cf-aig-max-attempts: 1 turns retries off.
      flaky.requests.length = 0;
      failNext = 1;
      const once = await fetch(`${gw.url}/openai/v1/responses`, { method: "POST", headers: { "cf-aig-max-attempts": "1" }, body: "{}" });
      expect(once.status).toBe(503);
      expect(flaky.requests).toHaveLength(1);
    } finally {
      await gw.close();
      await flaky.close();
    }
  });

  it("a client that leaves mid-stream cancels the upstream request and is logged as 499", async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    const endless = await startMockUpstream(async (_req, res) => {
      res.on("close", () => upstreamClosed());
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (let i = 0; i < 200 && !res.destroyed; i++) {
        res.write(`data: {"n":${i}}\n\n`);
        await new Promise((r) => setTimeout(r, 20));
      }
      res.end();
    });
    const gw = await startGateway({ providers: { openai: { baseUrl: `${endless.url}/v1`, apiKeys: [OPENAI_KEY] } } });
    const records: CallRecord[] = [];
    gw.gateway.observers.push((r) => void records.push(r));
    try {
      const abort = new AbortController();
      const res = await fetch(`${gw.url}/openai/v1/chat/completions`, { method: "POST", body: '{"stream":true}', signal: abort.signal });
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await closed;
      await settle();
      expect(records[0]).toMatchObject({ endpoint: "passthrough", status: 499, stream: true });
    } finally {
      await gw.close();
      await endless.close();
    }
  });

  it("Gemini's native paths with the key in x-goog-api-key", async () => {
    const gw = await startGateway({ providers: { "google-ai-studio": { baseUrl: upstream.url, apiKeys: ["AIzaGatewayOwnedKey000000000000000000"] } } });
    try {
      const res = await fetch(`${gw.url}/google-ai-studio/v1beta/models/gemini-2.5-flash:generateContent`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"contents":[]}' });
      expect(res.status).toBe(200);
      const req = upstream.requests.at(-1)!;
      expect(req.url).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
      expect(req.headers["x-goog-api-key"]).toBe("AIzaGatewayOwnedKey000000000000000000");

      // Streamed with alt=sse: Gemini's bytes as they were, usage from the last usageMetadata.
      const geminiStream = httpFixture("gemini/stream-text.http");
      upstream.handle((_req, res) => sendStream(res, [geminiStream.body], { headers: geminiStream.headers }));
      await settle(); // the call above observed first: calls are observed in batches, on the next turn
      const records: CallRecord[] = [];
      gw.gateway.observers.push((r) => void records.push(r));
      const streamed = await fetch(`${gw.url}/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"contents":[]}' });
      expect(await streamed.text()).toBe(geminiStream.body);
      expect(upstream.requests.at(-1)!.url).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
      await settle();
      expect(records[0]).toMatchObject({ provider: "google-ai-studio", model: "gemini-2.5-flash", stream: true, usage: { prompt_tokens: 9, total_tokens: 61 } });
    } finally {
      await gw.close();
      upstream.handle((_req, res) => sendJson(res, 200, { ok: true, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }, { "x-ratelimit-remaining-requests": "42" }));
    }
  });
});
