import type { ServerResponse } from "node:http";
import OpenAI, { AzureOpenAI } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../core/config.js";
import { Gateway } from "../../core/gateway.js";
import { silentLogger } from "../../core/runtime.js";
import { fixtureJson, fixtureText, sseEvents } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";
import { sendJson, sendStream, startMockUpstream, type MockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { useProviderHarness } from "../helpers/provider-harness.js";

const headers = fixtureJson<{ json: Record<string, string>; sse: Record<string, string> }>("azure/headers.json");
const GATEWAY_TOKEN = "gw-token-azure-0123456789";
const AZURE_KEY = "0123456789abcdef0123456789abcdef";
/** A Microsoft Entra ID access token's shape (header.payload.signature, base64url). */
const ENTRA_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NvZ25pdGl2ZXNlcnZpY2VzLmF6dXJlLmNvbSJ9.c2lnbmF0dXJl";

/** Azure OpenAI as recorded: the deployment in the path, api-version in the query, content filter results in the body. */
function replayAzure(req: RecordedRequest, res: ServerResponse) {
  const url = new URL(req.url, "http://azure.local");
  const body = req.body ? JSON.parse(req.body) : {};
  if (!req.headers["api-key"] && !req.headers["authorization"]) return sendJson(res, 401, fixtureJson("azure/error-unauthorized.json"), headers.json);
  const m = /^\/openai\/(?:deployments\/([^/]+)|v1)\/(chat\/completions|completions|embeddings)$/.exec(url.pathname);
  if (!m) return sendJson(res, 404, { error: { code: "404", message: "Resource not found" } }, headers.json);
  const deployment = m[1] ?? body.model;
  if (m[1] && !url.searchParams.get("api-version")) return sendJson(res, 404, { error: { code: "404", message: "Resource not found" } }, headers.json);
  if (deployment === "missing") return sendJson(res, 404, fixtureJson("azure/error-deployment-not-found.json"), headers.json);
  if (m[2] === "embeddings") return sendJson(res, 200, fixtureJson("azure/embeddings.json"), headers.json);
  const filtered = JSON.stringify(body.messages ?? "").includes("battle");
  if (JSON.stringify(body.messages ?? "").includes("forbidden")) return sendJson(res, 400, fixtureJson("azure/error-content-filter.json"), headers.json);
  if (!body.stream) return sendJson(res, 200, fixtureJson(filtered ? "azure/chat-content-filter.json" : "azure/chat.json"), headers.json);
  let events = sseEvents(fixtureText(filtered ? "azure/chat-content-filter-stream.sse" : "azure/chat-stream.sse"));
  if (body.stream_options?.include_usage !== true) events = events.filter((e) => !e.includes('"usage"'));
  return sendStream(res, events, { headers: headers.sse });
}

describe("Azure OpenAI through the real local server with the openai SDK", () => {
  const h = useProviderHarness({
    upstream: () => startMockUpstream(replayAzure),
    providers: (baseUrl) => ({ "azure-openai": { baseUrl, apiKeys: [AZURE_KEY], deployments: { "gpt-4o": "prod-gpt4o" } } }),
    token: GATEWAY_TOKEN,
  });

  const last = () => h.upstream.requests.at(-1)!;

  it("chat: deployment from the mapping, api-version, api-key; the gateway token stays home", async () => {
    const out = await h.client.chat.completions.create({ model: "azure-openai/gpt-4o", messages: [{ role: "user", content: "Hello" }] });
    expect(out.choices[0]!.message.content).toBe("Hello from Azure! How can I help you today?");
    expect(out.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 11, total_tokens: 32 });
    expect((out as any).prompt_filter_results[0].content_filter_results.jailbreak).toEqual({ filtered: false, detected: false });
    const req = last();
    expect(req.url).toBe("/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21");
    expect(req.headers["api-key"]).toBe(AZURE_KEY);
    expect(req.headers["authorization"]).toBeUndefined();
    expect(JSON.stringify(req.headers)).not.toContain(GATEWAY_TOKEN);
    await new Promise((r) => setTimeout(r, 10));
    expect(h.records.at(-1)).toMatchObject({ endpoint: "chat", provider: "azure-openai", model: "gpt-4o", status: 200, usage: { total_tokens: 32 } });
  });

  it("the alias azure and an unmapped model name: the name is the deployment", async () => {
    await h.client.chat.completions.create({ model: "azure/my-gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] });
    expect(last().url).toBe("/openai/deployments/my-gpt-4o-mini/chat/completions?api-version=2024-10-21");
  });

  it("stream: OpenAI chunks (prompt filter chunk included), usage asked upstream, dropped unless the client asked", async () => {
    const stream = await h.client.chat.completions.create({ model: "azure-openai/gpt-4o", stream: true, messages: [{ role: "user", content: "Hello" }] });
    let text = "";
    const finish: Array<string | null> = [];
    let sawUsage = false;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        text += c.delta.content ?? "";
        if (c.finish_reason) finish.push(c.finish_reason);
      }
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe("Hello from Azure!");
    expect(finish).toEqual(["stop"]);
    expect(sawUsage).toBe(false);
    expect(JSON.parse(last().body).stream_options).toEqual({ include_usage: true });
    await new Promise((r) => setTimeout(r, 10));
    expect(h.records.at(-1)).toMatchObject({ stream: true, status: 200, usage: { prompt_tokens: 21, completion_tokens: 6 } });

    const withUsage = await h.client.chat.completions.create({ model: "azure-openai/gpt-4o", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Hi" }] });
    let usage;
    for await (const chunk of withUsage) if (chunk.usage) usage = chunk.usage;
    expect(usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 6, total_tokens: 27 });
  });

  it("content_filter finish_reason passes through, streamed or not", async () => {
    const out = await h.client.chat.completions.create({ model: "azure-openai/gpt-4o", messages: [{ role: "user", content: "Tell me about the battle" }] });
    expect(out.choices[0]!.finish_reason).toBe("content_filter");
    expect((out.choices[0] as any).content_filter_results.violence).toEqual({ filtered: true, severity: "medium" });

    const stream = await h.client.chat.completions.create({ model: "azure-openai/gpt-4o", stream: true, messages: [{ role: "user", content: "Tell me about the battle" }] });
    const finish: string[] = [];
    for await (const chunk of stream) for (const c of chunk.choices) if (c.finish_reason) finish.push(c.finish_reason);
    expect(finish).toEqual(["content_filter"]);
  });

  it("a prompt blocked by the content filter: 400 with Azure's message and code", async () => {
    const err = await h.client.chat.completions.create({ model: "azure-openai/gpt-4o", messages: [{ role: "user", content: "something forbidden" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.message).toContain("content management policy");
    expect(err.message).toContain("content_filter");
  });

  it("an unknown deployment: Azure's 404 message reaches the client", async () => {
    const err = await h.client.chat.completions.create({ model: "azure-openai/missing", messages: [{ role: "user", content: "Hello" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.message).toContain("DeploymentNotFound");
  });

  it("embeddings and legacy completions go to the deployment's own paths", async () => {
    const out = await h.client.embeddings.create({ model: "azure-openai/text-embedding-3-small", input: ["a", "b"] });
    expect(out.data).toHaveLength(2);
    expect(out.usage.prompt_tokens).toBe(9);
    expect(last().url).toBe("/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21");
    expect(last().headers["api-key"]).toBe(AZURE_KEY);
  });

  it("deployment names that could change the path are refused before any request leaves", async () => {
    for (const model of ["azure-openai/a..b", "azure-openai/x/../../admin", "azure-openai/x?y=1", "azure-openai/x#frag", "azure-openai/-bad", "azure-openai/a b"]) {
      const err = await h.client.chat.completions.create({ model, messages: [{ role: "user", content: "Hello" }] }).catch((e) => e);
      expect(err.status, model).toBe(400);
      expect(err.message, model).toMatch(/deployment name/);
    }
    expect(h.upstream.requests).toHaveLength(0);
  });

  it("pass-through /azure-openai/openai/deployments/…: path and query as sent, api-key added, gateway token not forwarded", async () => {
    const body = JSON.stringify({ messages: [{ role: "user", content: "Hello" }] });
    const res = await fetch(`${h.gw.url}/azure-openai/openai/deployments/prod-gpt4o/chat/completions?api-version=2025-04-01-preview`, {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("apim-request-id")).toBe(headers.json["apim-request-id"]);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await res.json()).usage.total_tokens).toBe(32);
    expect(last().url).toBe("/openai/deployments/prod-gpt4o/chat/completions?api-version=2025-04-01-preview");
    expect(last().body).toBe(body);
    expect(last().headers["api-key"]).toBe(AZURE_KEY);
    expect(JSON.stringify(last().headers)).not.toContain(GATEWAY_TOKEN);
    await new Promise((r) => setTimeout(r, 10));
    expect(h.records.at(-1)).toMatchObject({ endpoint: "passthrough", provider: "azure-openai", model: "prod-gpt4o", status: 200, usage: { total_tokens: 32 } });
  });
});

describe("Azure OpenAI credentials and settings", () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await startMockUpstream(replayAzure);
  });
  afterAll(async () => {
    await upstream?.close();
  });
  beforeEach(() => void (upstream.requests.length = 0));

  it("a client's Entra ID token (Authorization: Bearer, gateway key in cf-aig-authorization) goes on as a bearer token", async () => {
    const gw = await startGateway({ providers: { "azure-openai": { baseUrl: upstream.url } } }, { STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN });
    try {
      const client = new OpenAI({ apiKey: ENTRA_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0, defaultHeaders: { "cf-aig-authorization": `Bearer ${GATEWAY_TOKEN}` } });
      await client.chat.completions.create({ model: "azure-openai/gpt-4o", messages: [{ role: "user", content: "Hello" }] });
      const req = upstream.requests.at(-1)!;
      expect(req.headers["authorization"]).toBe(`Bearer ${ENTRA_TOKEN}`);
      expect(req.headers["api-key"]).toBeUndefined();
      expect(JSON.stringify(req.headers)).not.toContain(GATEWAY_TOKEN);

      // The AzureOpenAI SDK's own header: the caller's Azure key goes on as api-key.
      const res = await fetch(`${gw.url}/azure/openai/deployments/d1/chat/completions?api-version=2024-10-21`, {
        method: "POST",
        headers: { "cf-aig-authorization": `Bearer ${GATEWAY_TOKEN}`, "api-key": "client-azure-key-123456", "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "Hello" }] }),
      });
      expect(res.status).toBe(200);
      expect(upstream.requests.at(-1)!.headers["api-key"]).toBe("client-azure-key-123456");
    } finally {
      await gw.close();
    }
  });

  it("the AzureOpenAI SDK on the pass-through route: its own paths, api-version and api-key header, streamed too", async () => {
    const gw = await startGateway({ providers: { "azure-openai": { baseUrl: upstream.url, apiKeys: [AZURE_KEY] } } }, { STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN });
    try {
      const client = new AzureOpenAI({
        endpoint: `${gw.url}/azure-openai`,
        apiKey: "client-own-azure-key-0000",
        apiVersion: "2024-10-21",
        deployment: "prod-gpt4o",
        maxRetries: 0,
        defaultHeaders: { "cf-aig-authorization": `Bearer ${GATEWAY_TOKEN}` },
      });
      const out = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] });
      expect(out.choices[0]!.message.content).toContain("Hello from Azure");
      const req = upstream.requests.at(-1)!;
      expect(req.url).toBe("/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21");
      // The caller sent its own Azure key in api-key: it goes on (passthrough "fallback" puts a provider header first).
      expect(req.headers["api-key"]).toBe("client-own-azure-key-0000");
      expect(JSON.stringify(req.headers)).not.toContain(GATEWAY_TOKEN);

      const stream = await client.chat.completions.create({ model: "gpt-4o", stream: true, messages: [{ role: "user", content: "Hello" }] });
      let text = "";
      for await (const chunk of stream) for (const c of chunk.choices) text += c.delta.content ?? "";
      expect(text).toBe("Hello from Azure!");
    } finally {
      await gw.close();
    }
  });

  it("Cloudflare AI Gateway's Azure URLs (/azure-openai/{resource}/{deployment}/…) work for the configured resource", async () => {
    const gw = await startGateway({ providers: { "azure-openai": { resource: "my-res", baseUrl: upstream.url, apiKeys: [AZURE_KEY] } } }, { STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN });
    try {
      const client = new OpenAI({ apiKey: GATEWAY_TOKEN, baseURL: `${gw.url}/azure-openai/my-res/prod-gpt4o`, defaultQuery: { "api-version": "2024-10-21" }, maxRetries: 0 });
      const out = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] });
      expect(out.choices[0]!.message.content).toContain("Hello from Azure");
      expect(upstream.requests.at(-1)!.url).toBe("/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-10-21");
      expect(upstream.requests.at(-1)!.headers["api-key"]).toBe(AZURE_KEY);

      // Another resource name in the path picks nothing: the configured host gets the path as it is, and answers 404.
      const other = await fetch(`${gw.url}/azure-openai/other-res/prod-gpt4o/chat/completions?api-version=2024-10-21`, {
        method: "POST",
        headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(other.status).toBe(404);
      expect(upstream.requests.at(-1)!.url).toBe("/other-res/prod-gpt4o/chat/completions?api-version=2024-10-21");
    } finally {
      await gw.close();
    }
  });

  it("apiVersion v1: Azure's v1 API, the deployment as the model, no api-version", async () => {
    const gw = await startGateway({ providers: { "azure-openai": { baseUrl: upstream.url, apiKeys: [AZURE_KEY], apiVersion: "v1" } } });
    try {
      const client = new OpenAI({ apiKey: "unused", baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const out = await client.chat.completions.create({ model: "azure-openai/prod-gpt4o", messages: [{ role: "user", content: "Hello" }] });
      expect(out.choices[0]!.message.content).toContain("Hello from Azure");
      const req = upstream.requests.at(-1)!;
      expect(req.url).toBe("/openai/v1/chat/completions");
      expect(JSON.parse(req.body).model).toBe("prod-gpt4o");
    } finally {
      await gw.close();
    }
  });

  it("the resource name builds the public host (checked at startup); a bad one is a config error", () => {
    const make = (cfg: Record<string, unknown>, env: Record<string, string> = {}) =>
      new Gateway(loadConfig({ providers: { "azure-openai": cfg } }, env), { http: async () => { throw new Error("no network in tests"); }, defer() {}, log: silentLogger, env });
    const gw = make({ resource: "my-resource-01" });
    expect(gw.baseUrl(gw.route("azure")!)).toBe("https://my-resource-01.openai.azure.com");
    for (const resource of ["evil.com/x", "Upper", "a", "x.attacker.example", "-lead", "has_underscore", "a".repeat(64), "res#frag", "res@host"]) {
      expect(() => make({ resource }), resource).toThrow(ConfigError);
    }
    expect(() => make({}, { AZURE_OPENAI_RESOURCE: "bad.host" })).toThrow(/resource must be an Azure OpenAI resource name/);
    expect(() => make({ resource: "ok-res", apiVersion: "yesterday" })).toThrow(/apiVersion/);
    expect(() => make({ resource: "ok-res", deployments: { "gpt-4o": "../admin" } })).toThrow(/deployments\.gpt-4o/);
    // A second resource is one more entry of the same type.
    const two = new Gateway(loadConfig({ providers: { "azure-openai": { resource: "us-res" }, "azure-eu": { type: "azure-openai", resource: "eu-res", apiKeys: ["k"] } } }, {}), {
      http: async () => { throw new Error("no network in tests"); }, defer() {}, log: silentLogger, env: {},
    });
    expect(two.baseUrl(two.route("azure-eu")!)).toBe("https://eu-res.openai.azure.com");
    const badSecond = () => new Gateway(loadConfig({ providers: { "azure-eu": { type: "azure-openai", resource: "EU.evil" } } }, {}), two.runtime);
    expect(badSecond).toThrow(/providers\.azure-eu/);
    expect(make({}, { AZURE_OPENAI_ENDPOINT: "https://env-res.openai.azure.com/" }).baseUrl(make({}, { AZURE_OPENAI_ENDPOINT: "https://env-res.openai.azure.com/" }).route("azure-openai")!)).toBe("https://env-res.openai.azure.com");
  });

  it("no resource configured: a clear 400 when the provider is used, nothing sent", async () => {
    const gw = await startGateway({}, { AZURE_OPENAI_API_KEY: AZURE_KEY });
    try {
      const client = new OpenAI({ apiKey: "unused", baseURL: `${gw.url}/v1`, maxRetries: 0 });
      const err = await client.chat.completions.create({ model: "azure/gpt-4o", messages: [{ role: "user", content: "Hello" }] }).catch((e) => e);
      expect(err.status).toBe(400);
      expect(err.message).toContain("providers.azure-openai.resource");
    } finally {
      await gw.close();
    }
  });
});
