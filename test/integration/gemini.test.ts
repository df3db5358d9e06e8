import type { ServerResponse } from "node:http";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { fixtureJson, fixtureTranscript, inPieces } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";
import { sendJson, sendStream, startMockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { useProviderHarness } from "../helpers/provider-harness.js";

const GATEWAY_TOKEN = "gw-token-gemini-0123456789";
const GEMINI_KEY = "AIzaSyD-test-0123456789abcdefghijklmnopq";
const ENV_KEY = "AIzaSyD-env-key-0123456789abcdefghijklm";

/** A recorded Gemini HTTP transcript (its body is CRLF-framed SSE). */
const transcript = (name: string) => fixtureTranscript(`gemini/${name}`);
const JSON_HEADERS = { "content-type": "application/json; charset=UTF-8", vary: "Origin, X-Origin, Referer", server: "scaffolding on HTTPServer2", "x-content-type-options": "nosniff" };

/** The Gemini API as recorded; the model in the path picks the scenario. */
async function replayGemini(req: RecordedRequest, res: ServerResponse) {
  const url = new URL(req.url, "http://gemini.local");
  const m = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/.exec(url.pathname);
  if (!m) return sendJson(res, 404, { error: { code: 404, message: `Not found: ${url.pathname}`, status: "NOT_FOUND" } }, JSON_HEADERS);
  const key = req.headers["x-goog-api-key"];
  if (key !== GEMINI_KEY && key !== ENV_KEY) return sendJson(res, 400, { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" } }, JSON_HEADERS);
  const [, model, method] = m;
  if (method === "embedContent") return sendJson(res, 200, fixtureJson("gemini/embed-response.json"), JSON_HEADERS);
  if (method === "batchEmbedContents") return sendJson(res, 200, fixtureJson("gemini/batch-embed-response.json"), JSON_HEADERS);
  if (model === "gemini-invalid") return sendJson(res, 400, fixtureJson("gemini/error-invalid-argument.json"), JSON_HEADERS);
  if (model === "gemini-unavailable") return sendJson(res, 503, fixtureJson("gemini/error-unavailable.json"), JSON_HEADERS);
  if (method === "generateContent") {
    const file = { "gemini-tools": "response-tools.json", "gemini-blocked": "response-blocked.json" }[model!] ?? "response-text.json";
    return sendJson(res, 200, fixtureJson(`gemini/${file}`), JSON_HEADERS);
  }
  if (url.searchParams.get("alt") !== "sse") return sendJson(res, 400, { error: { code: 400, message: "expected alt=sse", status: "INVALID_ARGUMENT" } });
  const file = { "gemini-tools": "stream-tools.http", "gemini-stream-error": "stream-error.http", "gemini-truncated": "stream-truncated.http" }[model!] ?? "stream-text.http";
  const t = transcript(file);
  if (model === "gemini-stream-error") {
    const at = t.body.indexOf('data: {"error"');
    return sendStream(res, [t.body.subarray(0, at), t.body.subarray(at)], { headers: t.headers, delayMs: 20 });
  }
  return sendStream(res, inPieces(t.body, 11), { status: t.status, headers: t.headers });
}

describe("Gemini (google-ai-studio) through the real local server with the openai SDK", () => {
  const h = useProviderHarness({
    upstream: () => startMockUpstream(replayGemini),
    providers: (baseUrl) => ({ "google-ai-studio": { baseUrl, apiKeys: [GEMINI_KEY] } }),
    token: GATEWAY_TOKEN,
  });

  const last = () => h.upstream.requests.at(-1)!;
  const sent = () => JSON.parse(last().body);
  const weather = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } }];

  it("non-streamed text: content, reasoning_content, usage with cached and reasoning tokens; key in a header, never the URL", async () => {
    const out = await h.client.chat.completions.create({ model: "google-ai-studio/gemini-text", messages: [{ role: "system", content: "Be warm." }, { role: "user", content: "Hello" }], max_tokens: 100 });
    const msg = out.choices[0]!.message as typeof out.choices[0]["message"] & { reasoning_content?: string };
    expect(msg.content).toBe("Hallo! How can I help?");
    expect(msg.reasoning_content).toMatch(/Planning a greeting/);
    expect(out.choices[0]!.finish_reason).toBe("stop");
    expect(out.usage).toMatchObject({ prompt_tokens: 4100, completion_tokens: 45, total_tokens: 4145, prompt_tokens_details: { cached_tokens: 4096 }, completion_tokens_details: { reasoning_tokens: 38 } });

    const req = last();
    expect(req.url).toBe("/v1beta/models/gemini-text:generateContent");
    expect(req.headers["x-goog-api-key"]).toBe(GEMINI_KEY);
    expect(req.headers["authorization"]).toBeUndefined();
    expect(JSON.stringify(req.headers)).not.toContain(GATEWAY_TOKEN);
    expect(sent()).toEqual({ contents: [{ role: "user", parts: [{ text: "Hello" }] }], systemInstruction: { parts: [{ text: "Be warm." }] }, generationConfig: { maxOutputTokens: 100 } });
    await new Promise((r) => setTimeout(r, 20));
    expect(h.records.at(-1)).toMatchObject({ provider: "google-ai-studio", status: 200, usage: { total_tokens: 4145 } });
  });

  it.each(["gemini", "google"])("the alias %s/ reaches the same provider", async (alias) => {
    const out = await h.client.chat.completions.create({ model: `${alias}/gemini-text`, messages: [{ role: "user", content: "Hello" }] });
    expect(out.choices[0]!.message.content).toBe("Hallo! How can I help?");
    expect(last().headers["x-goog-api-key"]).toBe(GEMINI_KEY);
  });

  it("streamed text: ?alt=sse, role first, reasoning and content deltas, finish, usage chunk last", async () => {
    const stream = await h.client.chat.completions.create({ model: "gemini/gemini-text", messages: [{ role: "user", content: "Hello" }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(last().url).toBe("/v1beta/models/gemini-text:streamGenerateContent?alt=sse");
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => (c.choices[0]?.delta as any)?.reasoning_content ?? "").join("")).toMatch(/^\*\*Planning a greeting\*\*/);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hallo! Grüße aus 東京 🌸 — how can I help?");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 52, total_tokens: 61 });
  });

  it("parallel tool calls, then a second turn: thought signature and function names go back to Gemini", async () => {
    const first = await h.client.chat.completions.create({ model: "gemini/gemini-tools", messages: [{ role: "user", content: "Weather in SF and Paris?" }], tools: weather, tool_choice: "required" });
    expect(sent().toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(sent().tools).toEqual([{ functionDeclarations: [{ name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } }] }]);
    const msg = first.choices[0]!.message;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    const calls = msg.tool_calls!.filter((t) => t.type === "function");
    expect(calls.map((t) => JSON.parse(t.function.arguments).location)).toEqual(["San Francisco, CA", "Paris, France"]);
    expect(new Set(calls.map((t) => t.id)).size).toBe(2);

    await h.client.chat.completions.create({
      model: "gemini/gemini-text",
      tools: weather,
      messages: [
        { role: "user", content: "Weather in SF and Paris?" },
        { role: "assistant", content: msg.content, tool_calls: msg.tool_calls },
        { role: "tool", tool_call_id: calls[0]!.id, content: '{"temperature_c":16}' },
        { role: "tool", tool_call_id: calls[1]!.id, content: "18°C" },
      ],
    });
    expect(sent().contents).toEqual([
      { role: "user", parts: [{ text: "Weather in SF and Paris?" }] },
      { role: "model", parts: [
        { functionCall: { name: "get_weather", args: { location: "San Francisco, CA" } }, thoughtSignature: "CiQBVKhc7zW1dRbA9mbQ8Ps3Fe+q0Xk/Jj6TbuJ1cmD7nQI=" },
        { functionCall: { name: "get_weather", args: { location: "Paris, France" } } },
      ] },
      { role: "user", parts: [
        { functionResponse: { name: "get_weather", response: { temperature_c: 16 } } },
        { functionResponse: { name: "get_weather", response: { result: "18°C" } } },
      ] },
    ]);
  });

  it("parallel tool calls, streamed: indexes 0 and 1, whole arguments, finish tool_calls", async () => {
    const stream = await h.client.chat.completions.create({ model: "gemini/gemini-tools", messages: [{ role: "user", content: "Weather?" }], tools: weather, stream: true });
    const calls: Array<{ index: number; id?: string; name?: string; args?: string }> = [];
    let finish: string | null = null;
    let text = "";
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? "";
      for (const t of c.choices[0]?.delta.tool_calls ?? []) calls.push({ index: t.index, id: t.id, name: t.function?.name, args: t.function?.arguments });
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe("Checking both cities.");
    expect(calls.map((c) => [c.index, c.name, c.args && JSON.parse(c.args).location])).toEqual([[0, "get_weather", "San Francisco, CA"], [1, "get_weather", "Paris, France"]]);
    expect(calls.every((c) => c.id?.startsWith("call_"))).toBe(true);
    expect(finish).toBe("tool_calls");
  });

  it("images: data URLs inline, http URLs as fileData", async () => {
    await h.client.chat.completions.create({
      model: "gemini/gemini-text",
      messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQSkZJRg==" } }, { type: "image_url", image_url: { url: "https://example.com/a/cat.png" } }] }],
    });
    expect(sent().contents[0].parts).toEqual([
      { text: "What is this?" },
      { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQSkZJRg==" } },
      { fileData: { mimeType: "image/png", fileUri: "https://example.com/a/cat.png" } },
    ]);
  });

  it("a blocked prompt answers with finish_reason content_filter", async () => {
    const out = await h.client.chat.completions.create({ model: "gemini/gemini-blocked", messages: [{ role: "user", content: "…" }] });
    expect(out.choices[0]!.finish_reason).toBe("content_filter");
    expect(out.choices[0]!.message.content).toBeNull();
  });

  it("upstream 400 INVALID_ARGUMENT → 400; 503 UNAVAILABLE → 502; Gemini's messages kept", async () => {
    const bad = await h.client.chat.completions.create({ model: "gemini/gemini-invalid", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/Unknown name "foo".*\(INVALID_ARGUMENT\)/);
    const down = await h.client.chat.completions.create({ model: "gemini/gemini-unavailable", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(down.status).toBe(502);
    expect(down.message).toMatch(/answered 503: The model is overloaded/);
    expect(down.message).not.toContain(GEMINI_KEY);
  });

  it.each(["../../v1beta/files", "gemini-text?key=stolen", "gemini-text#x", "a\\b"])("a model name that could change the URL path (%j) is a 400 and nothing leaves", async (name) => {
    const err = await h.client.chat.completions.create({ model: `google-ai-studio/${name}`, messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/Invalid Gemini model name/);
    expect(h.upstream.requests).toHaveLength(0);
  });

  it.each([
    ["gemini-stream-error", "Once upon", /overloaded.*UNAVAILABLE/],
    ["gemini-truncated", "Once upon a time", /ended before a finishReason/],
  ])("a stream that dies mid-way (%s) ends with an error event, no [DONE]", async (model, content, pattern) => {
    const res = await fetch(`${h.gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: `gemini/${model}`, messages: [{ role: "user", content: "Tell a story" }], stream: true }),
    });
    const text = await res.text();
    const events = text.trim().split("\n\n").map((e) => JSON.parse(e.slice("data: ".length)));
    expect(events.map((e) => e.choices?.[0]?.delta?.content ?? "").join("")).toBe(content);
    expect(text).not.toContain("[DONE]");
    expect(events.at(-1).error.message).toMatch(pattern);

    const stream = await h.client.chat.completions.create({ model: `gemini/${model}`, messages: [{ role: "user", content: "Tell a story" }], stream: true });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toMatch(pattern);
  });

  it("embeddings: one string → embedContent (the SDK's default base64 decodes to the same floats)", async () => {
    const out = await h.client.embeddings.create({ model: "gemini/gemini-embedding-001", input: "hello", dimensions: 4 });
    expect(last().url).toBe("/v1beta/models/gemini-embedding-001:embedContent");
    expect(sent()).toEqual({ content: { parts: [{ text: "hello" }] }, outputDimensionality: 4 });
    expect(out.data).toHaveLength(1);
    expect(out.data[0]!.embedding).toEqual([0.013168523, -0.008711934, -0.046782676, 0.00069968984].map(Math.fround));
  });

  it("embeddings: a list → batchEmbedContents, float encoding", async () => {
    const out = await h.client.embeddings.create({ model: "google-ai-studio/gemini-embedding-001", input: ["a", "b"], encoding_format: "float" });
    expect(last().url).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(sent().requests).toEqual([
      { model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] } },
      { model: "models/gemini-embedding-001", content: { parts: [{ text: "b" }] } },
    ]);
    expect(out.data.map((d) => d.index)).toEqual([0, 1]);
    expect(out.data[1]!.embedding).toEqual([-0.0214, 0.0097, 0.0583, -0.0011]);
  });
});

describe("Gemini key from the environment", () => {
  it("GEMINI_API_KEY is used when no apiKeys are configured", async () => {
    const upstream = await startMockUpstream(replayGemini);
    const gw = await startGateway({ providers: { "google-ai-studio": { baseUrl: upstream.url } } }, { STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN, GEMINI_API_KEY: ENV_KEY });
    try {
      const client = new OpenAI({ apiKey: GATEWAY_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: "gemini/gemini-text", messages: [{ role: "user", content: "Hello" }] });
      expect(upstream.requests[0]!.headers["x-goog-api-key"]).toBe(ENV_KEY);
      expect(upstream.requests[0]!.url).not.toContain("key=");
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
