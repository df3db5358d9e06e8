/**
 * The one request lifecycle, tried as a hostile user would, through the real local server: limits
 * that hold on every route (streamed legacy completions, streamed pass-through chat), secrets that
 * never leave in a stream or a log, streams that can't hang or lie, a client that leaves.
 */
import type { ServerResponse } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendJson, startMockUpstream, type MockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { admin, startKeysGateway, type TestGateway } from "./keys-helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROVIDER_KEY = "provider-secret-0123456789";
const USAGE = { prompt_tokens: 40, completion_tokens: 20, total_tokens: 60 };

async function until(check: () => boolean | Promise<boolean>, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error("timed out waiting");
}

const sse = (res: ServerResponse, events: unknown[], done = true) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) res.write(`data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`);
  if (done) res.write("data: [DONE]\n\n");
  res.end();
};

/** An OpenAI-compatible upstream whose behaviour each test picks by the model name. */
function openAI(req: RecordedRequest, res: ServerResponse) {
  const body = req.body ? JSON.parse(req.body) : {};
  const model = String(body.model ?? "");
  const wantsUsage = body.stream_options?.include_usage === true;
  const chunk = (delta: object, finish: string | null = null) => ({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  const text = (t: string, finish: string | null = null) => ({ id: "c", object: "text_completion", created: 1, model, choices: [{ index: 0, text: t, finish_reason: finish }] });
  if (model === "echoes-key") {
    return sse(res, [chunk({ content: "Hi" }), { error: { message: `Incorrect API key provided: ${PROVIDER_KEY}.` } }], false);
  }
  if (model === "silent") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify(chunk({ content: "Hi" }))}\n\n`);
    return; // never another byte
  }
  if (model === "html-event") return sse(res, [chunk({ content: "Hi" }), "<html><body>Bad gateway</body></html>"]);
  if (model === "html-error") {
    res.writeHead(502, { "content-type": "text/html" });
    res.end(`<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx ${PROVIDER_KEY}</body></html>`);
    return;
  }
  if (model === "null-body") return sendJson(res, 200, "null");
  if (model === "stall-json") {
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"id":"c",');
    return; // never the rest
  }
  if (model === "reset-json") {
    res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
    res.write('{"id":"c","choices":[');
    setTimeout(() => res.destroy(), 20);
    return;
  }
  if (model === "slow-json") {
    setTimeout(() => sendJson(res, 200, { id: "c", object: "chat.completion", created: 1, model, choices: [], usage: USAGE }), 1500);
    return;
  }
  if (req.url.endsWith("/completions") && !req.url.endsWith("/chat/completions")) {
    if (!body.stream) return sendJson(res, 200, { ...text("ok", "stop"), usage: USAGE });
    return sse(res, [text("o"), text("k", "stop"), ...(wantsUsage ? [{ ...text(""), choices: [], usage: USAGE }] : [])]);
  }
  if (!body.stream) return sendJson(res, 200, { id: "c", object: "chat.completion", created: 1, model, choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: USAGE });
  return sse(res, [chunk({ content: "o" }), chunk({ content: "k" }, "stop"), ...(wantsUsage ? [{ ...chunk({}), choices: [], usage: USAGE }] : [])]);
}

let upstream: MockUpstream;
let gw: TestGateway;
beforeAll(async () => {
  upstream = await startMockUpstream(openAI);
  gw = await startKeysGateway({
    file: {
      // "compat": the same upstream as an OpenAI-compatible provider without a native Responses API.
      providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: [PROVIDER_KEY] }, compat: { type: "openai-compatible", baseUrl: `${upstream.url}/v1`, apiKeys: [PROVIDER_KEY] } },
      prices: { "openai/m": { input: 1000, output: 1000 }, "compat/m": { input: 1000, output: 1000 } },
      streamIdleTimeoutMs: 300,
    },
  });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const post = (path: string, key: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(gw.url + path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const records = () => gw.logs.filter((l) => l.msg === "request").map((l) => l.fields as Record<string, any>);

describe("limits hold on every route that streams", () => {
  const streamedCompletion = (key: string) => post("/v1/completions", key, { model: "openai/m", prompt: "hi", stream: true });
  const streamedPassthrough = (key: string) => post("/openai/v1/chat/completions", key, { model: "m", messages: [{ role: "user", content: "hi" }], stream: true });

  for (const [route, send] of [
    ["streamed /v1/completions", streamedCompletion],
    ["streamed pass-through chat", streamedPassthrough],
  ] as const) {
    it(`${route}: a key with tpm 50 is refused once its window holds 60 tokens; the client never sees the usage chunk it didn't ask for`, async () => {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: `tpm ${route}`, tpm: 50 });
      const first = await send(k.key);
      expect(first.status).toBe(200);
      const text = await first.text();
      expect(text).toContain("data: [DONE]");
      expect(text).not.toContain('"usage"');
      const upstreamBody = JSON.parse(upstream.requests.at(-1)!.body);
      expect(upstreamBody.stream_options).toEqual({ include_usage: true });
      await until(async () => (await gw.store.limits.get(`tpm:key:${k.id}`, Date.now() - (Date.now() % 60_000))) >= 60);
      const refused = await send(k.key);
      expect(refused.status).toBe(429);
      expect((await refused.json()).error.message).toMatch(/tokens per minute/);
    });

    it(`${route}: a key's budget is charged and then holds`, async () => {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: `budget ${route}`, budget: { usd: 0.05, period: "day" } });
      expect((await send(k.key)).status).toBe(200);
      // 60 tokens at $1000 per 1M: $0.06 spent, over the $0.05 budget.
      await until(async () => (await admin(gw, "GET", `/admin/keys/${k.id}`)).json.spend.day >= 0.06);
      const refused = await send(k.key);
      expect(refused.status).toBe(429);
      expect((await refused.json()).error.code).toBe("budget_exceeded");
    });
  }

  // Claude Code's and Codex's routes, translated to the same upstream: counted from the usage the translation reads.
  for (const stream of [false, true]) {
    for (const [route, send, refusal] of [
      ["/v1/messages", (key: string) => post("/v1/messages", key, { model: "compat/m", max_tokens: 16, messages: [{ role: "user", content: "hi" }], stream }), (j: any) => expect(j).toMatchObject({ type: "error", error: { type: "rate_limit_error" } })],
      ["/v1/responses", (key: string) => post("/v1/responses", key, { model: "compat/m", input: "hi", stream, store: false }), (j: any) => expect(j.error.message).toMatch(/tokens per minute/)],
    ] as const) {
      it(`${stream ? "streamed" : "JSON"} ${route}: tpm and the budget hold`, async () => {
        const { json: k } = await admin(gw, "POST", "/admin/keys", { name: `tpm ${route} ${stream}`, tpm: 50 });
        const first = await send(k.key);
        expect(first.status).toBe(200);
        await first.text();
        await until(async () => (await gw.store.limits.get(`tpm:key:${k.id}`, Date.now() - (Date.now() % 60_000))) >= 60);
        const refused = await send(k.key);
        expect(refused.status).toBe(429);
        refusal(await refused.json());

        const { json: b } = await admin(gw, "POST", "/admin/keys", { name: `budget ${route} ${stream}`, budget: { usd: 0.05, period: "day" } });
        expect((await send(b.key)).status).toBe(200);
        await until(async () => (await admin(gw, "GET", `/admin/keys/${b.id}`)).json.spend.day >= 0.06);
        expect((await send(b.key)).status).toBe(429);
      });
    }
  }

  it("a pass-through call the gateway can't count (an unknown POST) is refused for a key with a token limit, and served for one without", async () => {
    const { json: limited } = await admin(gw, "POST", "/admin/keys", { name: "tpm files", tpm: 1000 });
    const res = await post("/openai/v1/files", limited.key, { purpose: "batch" });
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatchObject({ code: "unmetered_route" });
    const { json: open } = await admin(gw, "POST", "/admin/keys", { name: "no limits" });
    upstream.handle((_req, r) => sendJson(r, 200, { id: "file-1" }));
    try {
      expect((await post("/openai/v1/files", open.key, { purpose: "batch" })).status).toBe(200);
    } finally {
      upstream.handle(openAI);
    }
  });
});

describe("secrets never leave, in a stream or a log", () => {
  it("an in-stream error event that echoes the gateway's provider key reaches neither the client nor the log", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "echo" });
    const res = await post("/v1/chat/completions", k.key, { model: "openai/echoes-key", messages: [{ role: "user", content: "hi" }], stream: true });
    const text = await res.text();
    expect(text).toContain('"error"');
    expect(text).not.toContain(PROVIDER_KEY);
    expect(text).not.toContain("[DONE]");
    await until(() => records().some((r) => r.model === "echoes-key"));
    const logged = JSON.stringify(gw.logs);
    expect(logged).toContain("Incorrect API key provided");
    expect(logged).not.toContain(PROVIDER_KEY);
  });

  it("an upstream's HTML error page is summarised by its title, never pasted (and its secrets never shown)", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "html" });
    const res = await post("/v1/chat/completions", k.key, { model: "openai/html-error", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(502);
    const body = await res.text();
    expect(body).toContain('an HTML page titled \\"502 Bad Gateway\\"');
    expect(body).not.toContain("<html");
    expect(body).not.toContain(PROVIDER_KEY);
    // The same on the pass-through route, which otherwise relays the provider's own error body.
    const raw = await post("/openai/v1/chat/completions", k.key, { model: "html-error", messages: [{ role: "user", content: "hi" }] });
    expect(raw.status).toBe(502);
    const rawBody = await raw.text();
    expect(rawBody).not.toContain("<html");
    expect(rawBody).not.toContain(PROVIDER_KEY);
  });

  it("a virtual key sent twice (Authorization and x-api-key) is never forwarded upstream as a provider key", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "twice" });
    const res = await post("/openai/v1/chat/completions", k.key, { model: "m", messages: [{ role: "user", content: "hi" }] }, { "x-api-key": k.key });
    expect(res.status).toBe(200);
    const sent = upstream.requests.at(-1)!;
    expect(JSON.stringify(sent.headers)).not.toContain(k.key);
    expect(sent.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
  });
});

describe("streams that can't hang or lie", () => {
  it("an upstream that goes silent after its first chunk is given up after the idle timeout: an error event, no [DONE]", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "silent", maxParallel: 1 });
    const started = Date.now();
    const res = await post("/v1/chat/completions", k.key, { model: "openai/silent", messages: [{ role: "user", content: "hi" }], stream: true });
    const text = await res.text();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(text).toContain('"Hi"');
    expect(text).toContain('"code":"upstream_idle_timeout"');
    expect(text).not.toContain("[DONE]");
    // The key's in-flight slot was given back.
    expect((await post("/v1/chat/completions", k.key, { model: "openai/m", messages: [{ role: "user", content: "hi" }] })).status).toBe(200);
  });

  it("a JSON answer that stalls after its headers is given up after the idle timeout: 504, OpenAI-shaped", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "stall" });
    const started = Date.now();
    const res = await post("/v1/chat/completions", k.key, { model: "openai/stall-json", messages: [{ role: "user", content: "hi" }] });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe("upstream_idle_timeout");
  });

  it("an SSE event that is not JSON ends the stream with an error event, not [DONE]", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "html-event" });
    const text = await (await post("/v1/chat/completions", k.key, { model: "openai/html-event", messages: [{ role: "user", content: "hi" }], stream: true })).text();
    expect(text).toContain('"code":"bad_upstream_stream"');
    expect(text).not.toContain("<html");
    expect(text).not.toContain("[DONE]");
  });

  it("a 200 whose body is null is a 502, not an empty answer", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "null" });
    const res = await post("/v1/chat/completions", k.key, { model: "openai/null-body", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe("bad_upstream_response");
  });

  it("a connection reset inside a JSON answer is a 502 upstream_error, not a timeout", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "reset" });
    const res = await post("/v1/chat/completions", k.key, { model: "openai/reset-json", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe("upstream_error");
  });

  it("a client that leaves while a JSON answer is awaited is recorded as 499", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "leaver" });
    const controller = new AbortController();
    const leaving = fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      signal: controller.signal,
      headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/slow-json", messages: [{ role: "user", content: "leave" }] }),
    }).catch(() => undefined);
    await sleep(200);
    controller.abort();
    await leaving;
    await until(() => records().some((r) => r.principal === k.id && r.status === 499));
  });
});

describe("hostile input", () => {
  it("model names that are Object.prototype's own (constructor, __proto__, toString) are 404s, not 500s", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: (await admin(gw, "POST", "/admin/keys", { name: "proto" })).json.key, maxRetries: 0 });
    for (const model of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const err = await client.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
      expect(err.status, model).toBe(404);
    }
  });

  it("JSON nested thousands deep is a 400 on /v1 and on pass-through, never a crash", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "deep" });
    const deep = `{"model":"openai/m","messages":[{"role":"user","content":"x"}],"x":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    for (const path of ["/v1/chat/completions", "/openai/v1/chat/completions"]) {
      const res = await fetch(gw.url + path, { method: "POST", headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" }, body: deep });
      expect(res.status, path).toBe(400);
      expect((await res.json()).error.code).toBe("invalid_json");
    }
  });

  it("a 100 KB model name is a clear 400", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "long" });
    const res = await post("/v1/chat/completions", k.key, { model: `openai/${"m".repeat(100_000)}`, messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/at most 256 characters/);
  });

  it("pass-through paths with ;-parameters (..;/) are refused before anything is sent", async () => {
    const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "matrix" });
    const before = upstream.requests.length;
    for (const path of ["/openai/v1/..;/admin", "/openai/v1/chat;x=1/completions", "/openai/v1/%3b/x"]) {
      const res = await fetch(gw.url + path, { method: "POST", headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" }, body: "{}" });
      expect(res.status, path).toBe(400);
    }
    expect(upstream.requests.length).toBe(before);
  });
});

