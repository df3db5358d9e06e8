import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config.js";
import { silentLogger } from "../../core/runtime.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";
import { startServer, type RunningServer } from "../../functions/node/server.js";
import { createNodeStore, type NodeStore } from "../../functions/node/store.js";
import { sseEvents, fixtureText } from "../helpers/fixtures.js";
import { sendJson, sendStream, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { replayOpenAI } from "../helpers/openai-upstream.js";
import { ADMIN_TOKEN, admin } from "./keys-helpers.js";

/** The response cache through the real server on the embedded store (dynalite), with a local OpenAI upstream. */
let upstream: MockUpstream;
let node: NodeStore;
let dir: string;
let gw: RunningServer;
const logs: Array<{ msg: string; fields?: Record<string, unknown> }> = [];

const GATEWAY_TOKEN = "gateway-token-for-cache-tests";
const config = {
  providers: { openai: { baseUrl: "", apiKeys: ["sk-upstream-key-0123456789"] } },
  models: { cached: { targets: ["openai/gpt-4o-mini"], cacheTtlSeconds: 600 } },
};

async function start(store: Store, file: unknown = config) {
  const env = { STRAIT_ADMIN_TOKEN: ADMIN_TOKEN, STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN };
  const log = { ...silentLogger, info: (msg: string, fields?: Record<string, unknown>) => void logs.push({ msg, fields }) };
  return startServer({ config: loadConfig(file, env, { allowOpen: true }), host: "127.0.0.1", port: 0, log, env, store, shutdownTimeoutMs: 2_000 });
}

beforeAll(async () => {
  upstream = await startMockUpstream((req, res) => replayOpenAI(req, res));
  config.providers.openai.baseUrl = `${upstream.url}/v1`;
  dir = mkdtempSync(join(tmpdir(), "strait-cache-"));
  node = await createNodeStore({ STRAIT_DATA_DIR: dir }, silentLogger);
  gw = await start(node.store);
});
afterAll(async () => {
  await gw.close();
  await node.close();
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  upstream.requests.length = 0;
  upstream.handle((req, res) => replayOpenAI(req, res));
});

let n = 0;
/** A prompt no other test used, so each test starts from an empty cache. */
const fresh = () => [{ role: "user", content: `Say hello (${++n} ${Date.now()})` }];

async function post(body: unknown, headers: Record<string, string> = {}, path = "/v1/chat/completions", server = gw) {
  const res = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${GATEWAY_TOKEN}`, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  await server.settled();
  return { status: res.status, headers: res.headers, text };
}

const TTL = { "cf-aig-cache-ttl": "3600" };

describe("response cache", () => {
  it("answers an identical JSON request from the cache: same body, no upstream call", async () => {
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    const miss = await post(body, TTL);
    expect(miss.status).toBe(200);
    expect(miss.headers.get("cf-aig-cache-status")).toBe("MISS");
    const hit = await post(body, TTL);
    expect(hit.headers.get("cf-aig-cache-status")).toBe("HIT");
    expect(hit.text).toBe(miss.text);
    expect(hit.headers.get("content-type")).toBe("application/json");
    expect(hit.headers.get("x-request-id")).not.toBe(miss.headers.get("x-request-id"));
    expect(upstream.requests).toHaveLength(1);
  });

  it("ignores key order and whitespace in the body, but not a field that changes the answer", async () => {
    const messages = fresh();
    await post({ model: "openai/gpt-4o-mini", messages, temperature: 0 }, TTL);
    const reordered = `{ "temperature": 0,\n  "messages": ${JSON.stringify(messages)}, "model": "openai/gpt-4o-mini" }`;
    expect((await post(reordered, TTL)).headers.get("cf-aig-cache-status")).toBe("HIT");
    expect((await post({ model: "openai/gpt-4o-mini", messages, temperature: 1 }, TTL)).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect((await post({ model: "openai/gpt-4o-mini", messages, temperature: 0, user: "u1" }, TTL)).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect(upstream.requests).toHaveLength(3);
  });

  it("replays a streamed answer event for event, ending in [DONE]; JSON and streamed requests are separate entries", async () => {
    const messages = fresh();
    const body = { model: "openai/gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } };
    const miss = await post(body, TTL);
    expect(miss.headers.get("cf-aig-cache-status")).toBe("MISS");
    const hit = await post(body, TTL);
    expect(hit.headers.get("cf-aig-cache-status")).toBe("HIT");
    expect(hit.headers.get("content-type")).toContain("text/event-stream");
    expect(sseEvents(hit.text)).toEqual(sseEvents(miss.text));
    expect(hit.text.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(hit.text).toContain('"usage"');
    expect((await post({ ...body, stream: false, stream_options: undefined }, TTL)).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect(upstream.requests).toHaveLength(2);
  });

  it("works with the official SDK, streamed and not", async () => {
    const client = new OpenAI({ apiKey: GATEWAY_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0, defaultHeaders: TTL });
    const messages = fresh() as Array<{ role: "user"; content: string }>;
    const first = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages });
    await gw.settled();
    const again = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages }).withResponse();
    expect(again.response.headers.get("cf-aig-cache-status")).toBe("HIT");
    expect(again.data).toEqual(first);
    const texts: string[] = [];
    for (let i = 0; i < 2; i++) {
      let text = "";
      for await (const chunk of await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
      await gw.settled();
      texts.push(text);
    }
    expect(texts[1]).toBe(texts[0]);
    expect(upstream.requests).toHaveLength(2);
  });

  it("never stores an error answer or a stream that was cut", async () => {
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    upstream.handle((_req, res) => sendJson(res, 500, { error: { message: "boom" } }));
    expect((await post(body, { ...TTL, "cf-aig-max-attempts": "1" })).status).toBe(502);
    upstream.handle((_req, res) => sendJson(res, 429, { error: { message: "slow down" } }, { "retry-after": "60" }));
    expect((await post(body, { ...TTL, "cf-aig-max-attempts": "1" })).status).toBe(429);
    upstream.handle((req, res) => replayOpenAI(req, res));
    expect((await post(body, TTL)).headers.get("cf-aig-cache-status")).toBe("MISS");

    const streamed = { model: "openai/gpt-4o-mini", messages: fresh(), stream: true };
    const events = sseEvents(fixtureText("openai/chat-stream.sse"));
    upstream.handle(async (_req, res) => {
      await sendStream(res, events.slice(0, 2).map((e) => e), { headers: {} }).catch(() => {});
      res.destroy();
    });
    const cut = await post(streamed, TTL);
    expect(cut.text).not.toContain("[DONE]");
    upstream.handle((req, res) => replayOpenAI(req, res));
    expect((await post(streamed, TTL)).headers.get("cf-aig-cache-status")).toBe("MISS");
  });

  it("keeps virtual keys apart, and counts a hit toward rpm but not toward tokens", async () => {
    const a = (await admin(gw, "POST", "/admin/keys", { name: "cache-a", rpm: 3 })).json;
    const b = (await admin(gw, "POST", "/admin/keys", { name: "cache-b" })).json;
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    const as = (key: string) => ({ ...TTL, authorization: `Bearer ${key}` });
    expect((await post(body, as(a.key))).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect((await post(body, as(b.key))).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect((await post(body, as(a.key))).headers.get("cf-aig-cache-status")).toBe("HIT");
    expect((await post(body, as(a.key))).headers.get("cf-aig-cache-status")).toBe("HIT");
    expect((await post(body, as(a.key))).status).toBe(429); // the fourth request this minute
    expect(upstream.requests).toHaveLength(2);

    const usage = (await admin(gw, "GET", `/admin/usage?key=${a.id}`)).json;
    expect(usage.totals.requests).toBe(3);
    expect(usage.totals.cacheHits).toBe(2);
    const oneCall = (await admin(gw, "GET", `/admin/usage?key=${b.id}`)).json.totals;
    expect(oneCall.cacheHits).toBe(0);
    expect(usage.totals.tokensIn).toBe(oneCall.tokensIn);
    expect(usage.totals.tokensOut).toBe(oneCall.tokensOut);
  });

  it("skips the cache on cf-aig-skip-cache, and takes cf-aig-cache-key in place of the body", async () => {
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    await post(body, TTL);
    const skipped = await post(body, { ...TTL, "cf-aig-skip-cache": "true" });
    expect(skipped.headers.get("cf-aig-cache-status")).toBe("BYPASS");
    expect(upstream.requests).toHaveLength(2);

    const key = `custom-${n}`;
    expect((await post({ model: "openai/gpt-4o-mini", messages: fresh() }, { ...TTL, "cf-aig-cache-key": key })).headers.get("cf-aig-cache-status")).toBe("MISS");
    const other = await post({ model: "openai/gpt-4o-mini", messages: fresh() }, { ...TTL, "cf-aig-cache-key": key });
    expect(other.headers.get("cf-aig-cache-status")).toBe("HIT");
    expect(upstream.requests).toHaveLength(3);
  });

  it("caches by default where the alias, the virtual key or the gateway says so", async () => {
    const messages = fresh();
    await post({ model: "cached", messages });
    expect((await post({ model: "cached", messages })).headers.get("cf-aig-cache-status")).toBe("HIT");

    const k = (await admin(gw, "POST", "/admin/keys", { name: "cache-default", cacheTtlSeconds: 120 })).json;
    const auth = { authorization: `Bearer ${k.key}` };
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    expect((await post(body, auth)).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect((await post(body, auth)).headers.get("cf-aig-cache-status")).toBe("HIT");
    // Without any of them, caching does not apply: no header, no store read.
    expect((await post(body)).headers.get("cf-aig-cache-status")).toBeNull();

    const withDefault = await start(node.store, { ...config, cache: { ttlSeconds: 60 } });
    try {
      const b2 = { model: "openai/gpt-4o-mini", messages: fresh() };
      expect((await post(b2, {}, undefined, withDefault)).headers.get("cf-aig-cache-status")).toBe("MISS");
      expect((await post(b2, {}, undefined, withDefault)).headers.get("cf-aig-cache-status")).toBe("HIT");
    } finally {
      await withDefault.close();
    }
  });

  it("caches completions, embeddings and pass-through inference calls", async () => {
    for (const [path, body] of [
      ["/v1/completions", { model: "openai/gpt-3.5-turbo-instruct", prompt: `hi ${++n}` }],
      ["/v1/embeddings", { model: "openai/text-embedding-3-small", input: `hi ${++n}` }],
      ["/openai/v1/chat/completions", { model: "gpt-4o-mini", messages: fresh() }],
    ] as const) {
      const miss = await post(body, TTL, path);
      expect(miss.headers.get("cf-aig-cache-status"), path).toBe("MISS");
      const hit = await post(body, TTL, path);
      expect(hit.headers.get("cf-aig-cache-status"), path).toBe("HIT");
      expect(hit.text).toBe(miss.text);
    }
    expect(upstream.requests).toHaveLength(3);
    // A pass-through read that is not inference is never cached.
    expect((await post({ purpose: "batch" }, TTL, "/openai/v1/files")).headers.get("cf-aig-cache-status")).toBe("BYPASS");
  });

  it("refuses cache headers out of range, in OpenAI's error shape", async () => {
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    for (const [name, value] of [["cf-aig-cache-ttl", "10"], ["cf-aig-cache-ttl", "2592001"], ["cf-aig-cache-ttl", "1e3"], ["cf-aig-skip-cache", "maybe"]]) {
      const res = await post(body, { [name!]: value! });
      expect(res.status, `${name}: ${value}`).toBe(400);
      expect(JSON.parse(res.text).error.param).toBe(name);
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it("DELETE /admin/cache purges one key's entries, or all", async () => {
    const k = (await admin(gw, "POST", "/admin/keys", { name: "purged" })).json;
    const as = { ...TTL, authorization: `Bearer ${k.key}` };
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    await post(body, as);
    await post(body, TTL);
    expect((await admin(gw, "DELETE", `/admin/cache?key=${k.id}`)).json.deleted).toBe(1);
    expect((await post(body, as)).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect((await post(body, TTL)).headers.get("cf-aig-cache-status")).toBe("HIT");
    expect((await admin(gw, "DELETE", "/admin/cache")).json.deleted).toBeGreaterThanOrEqual(2);
    expect((await post(body, TTL)).headers.get("cf-aig-cache-status")).toBe("MISS");
  });
});

describe("response cache on a small store", () => {
  let now = Date.now();
  const store = memoryStore({ now: () => now });
  // A store that takes values of at most 4 KB, like a DynamoDB item scaled down.
  const small: Store = { ...store, cache: { maxValueBytes: 4096, get: (k) => store.cache.get(k), put: (k, v, t) => store.cache.put(k, v, t), purge: (p) => store.cache.purge(p) } };
  let server: RunningServer;
  beforeAll(async () => {
    server = await start(small);
  });
  afterAll(() => server.close());

  const answer = (content: string) => ({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

  it("compresses a large answer to fit, and skips one that still doesn't, without failing the request", async () => {
    upstream.handle((_req, res) => sendJson(res, 200, answer("la ".repeat(30_000))));
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    expect((await post(body, TTL, undefined, server)).status).toBe(200);
    expect((await post(body, TTL, undefined, server)).headers.get("cf-aig-cache-status")).toBe("HIT");

    const noise = Array.from({ length: 20_000 }, () => Math.random().toString(36).slice(2, 4)).join("");
    upstream.handle((_req, res) => sendJson(res, 200, answer(noise)));
    const big = { model: "openai/gpt-4o-mini", messages: fresh() };
    const first = await post(big, TTL, undefined, server);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).choices[0].message.content).toBe(noise);
    expect((await post(big, TTL, undefined, server)).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect(logs.some((l) => l.msg.startsWith("answer not cached: too large"))).toBe(true);
  });

  it("lets an entry expire at its TTL", async () => {
    const body = { model: "openai/gpt-4o-mini", messages: fresh() };
    await post(body, { "cf-aig-cache-ttl": "60" }, undefined, server);
    now += 59_000;
    expect((await post(body, { "cf-aig-cache-ttl": "60" }, undefined, server)).headers.get("cf-aig-cache-status")).toBe("HIT");
    now += 2_000;
    expect((await post(body, { "cf-aig-cache-ttl": "60" }, undefined, server)).headers.get("cf-aig-cache-status")).toBe("MISS");
  });
});
