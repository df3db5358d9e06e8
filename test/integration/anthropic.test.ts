import type { ServerResponse } from "node:http";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { fixtureJson, fixtureTranscript, inPieces } from "../helpers/fixtures.js";
import { sendJson, sendStream, startMockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { useProviderHarness } from "../helpers/provider-harness.js";

const GATEWAY_TOKEN = "gw-token-anthropic-0123456789";
const ANTHROPIC_KEY = "sk-ant-api03-test-0123456789abcdefghijklmnop";

/** A recorded Anthropic HTTP transcript. */
const transcript = (name: string) => fixtureTranscript(`anthropic/${name}`);

const JSON_HEADERS = { "request-id": "req_011CVJ3k8Z1tq2nH7vUo5bQm", "anthropic-organization-id": "3b7c2f1e-8d4a-4c1b-9e2f-5a6b7c8d9e0f", via: "1.1 google" };

/** Anthropic's Messages API as recorded; the request's model picks the scenario. */
async function replayAnthropic(req: RecordedRequest, res: ServerResponse) {
  if (req.url !== "/v1/messages") return sendJson(res, 404, { type: "error", error: { type: "not_found_error", message: "Not found" } });
  if (req.headers["x-api-key"] !== ANTHROPIC_KEY) return sendJson(res, 401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
  const body = JSON.parse(req.body);
  const scenario = String(body.model);
  if (scenario === "claude-overloaded" && !body.stream) return sendJson(res, 529, fixtureJson("anthropic/error-overloaded.json"), { ...JSON_HEADERS, "x-should-retry": "true" });
  if (scenario === "claude-invalid") return sendJson(res, 400, fixtureJson("anthropic/error-invalid-request.json"), JSON_HEADERS);
  if (!body.stream) {
    const file = scenario === "claude-tools" ? "response-tools.json" : scenario === "claude-json" ? "response-json.json" : "response-text.json";
    return sendJson(res, 200, fixtureJson(`anthropic/${file}`), JSON_HEADERS);
  }
  const file = { "claude-tools": "stream-tools.http", "claude-overloaded": "stream-overloaded.http", "claude-truncated": "stream-truncated.http" }[scenario] ?? "stream-text.http";
  const t = transcript(file);
  if (scenario === "claude-cut") {
    // The connection drops right after the first text delta.
    const cut = t.body.indexOf("\n\n", t.body.indexOf("text_delta")) + 2;
    res.writeHead(200, t.headers);
    res.write(t.body.subarray(0, cut));
    await new Promise((r) => setTimeout(r, 20));
    res.destroy();
    return;
  }
  if (scenario === "claude-overloaded") {
    // The error event comes later in time than the deltas before it, as it does for real.
    const at = t.body.indexOf("event: error");
    return sendStream(res, [t.body.subarray(0, at), t.body.subarray(at)], { status: t.status, headers: t.headers, delayMs: 20 });
  }
  return sendStream(res, inPieces(t.body, 13), { status: t.status, headers: t.headers });
}

describe("Anthropic through the real local server with the openai SDK", () => {
  const h = useProviderHarness({
    upstream: () => startMockUpstream(replayAnthropic),
    providers: (baseUrl) => ({ anthropic: { baseUrl, apiKeys: [ANTHROPIC_KEY] } }),
    token: GATEWAY_TOKEN,
  });

  const last = () => h.upstream.requests.at(-1)!;
  const sent = () => JSON.parse(last().body);
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it("non-streamed text: content, finish_reason, usage with cache reads; headers and body upstream", async () => {
    const out = await h.client.chat.completions.create({
      model: "anthropic/claude-text",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }],
    });
    expect(out.choices[0]!.message).toMatchObject({ role: "assistant", content: "Hi! My name is Claude." });
    expect(out.choices[0]!.finish_reason).toBe("stop");
    expect(out.usage).toMatchObject({ prompt_tokens: 11311, completion_tokens: 503, total_tokens: 11814, prompt_tokens_details: { cached_tokens: 8192 } });

    const req = last();
    expect(req.method).toBe("POST");
    expect(req.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(req.headers["anthropic-version"]).toBe("2023-06-01");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["authorization"]).toBeUndefined();
    expect(JSON.stringify(req.headers)).not.toContain(GATEWAY_TOKEN);
    expect(sent()).toEqual({ model: "claude-text", max_tokens: 4096, system: [{ type: "text", text: "Be brief." }], messages: [{ role: "user", content: [{ type: "text", text: "Hello" }] }] });
    await settle();
    expect(h.records.at(-1)).toMatchObject({ provider: "anthropic", model: "claude-text", status: 200, usage: { total_tokens: 11814 } });
  });

  it("streamed text: role first, deltas across cut frames and UTF-8, finish, usage chunk when asked", async () => {
    const stream = await h.client.chat.completions.create({ model: "anthropic/claude-text", messages: [{ role: "user", content: "Hello" }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Grüße aus 東京 🌸 — hello!");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 });
    expect(sent()).toMatchObject({ stream: true, model: "claude-text" });
    expect(sent()).not.toHaveProperty("stream_options");
  });

  it("streamed without include_usage: no usage chunk for the client, usage still recorded", async () => {
    const res = await fetch(`${h.gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "anthropic/claude-text", messages: [{ role: "user", content: "Hello" }], stream: true }),
    });
    const text = await res.text();
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(text).not.toContain('"usage"');
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    await settle();
    expect(h.records.at(-1)).toMatchObject({ status: 200, stream: true, usage: { prompt_tokens: 25, completion_tokens: 15 } });
  });

  it("parallel tool calls, non-streamed, with reasoning_content", async () => {
    const out = await h.client.chat.completions.create({
      model: "anthropic/claude-tools",
      messages: [{ role: "user", content: "Weather in SF and Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } }],
      tool_choice: "auto",
    });
    const msg = out.choices[0]!.message as typeof out.choices[0]["message"] & { reasoning_content?: string };
    expect(out.choices[0]!.finish_reason).toBe("tool_calls");
    expect(msg.tool_calls!.map((t) => [t.id, t.type === "function" && JSON.parse(t.function.arguments).location])).toEqual([
      ["toolu_01T1x1fJ34qAmk2tNTrN7Up6", "San Francisco, CA"],
      ["toolu_01CqQk4XWNXm2UyrPz2S7c5v", "Paris, France"],
    ]);
    expect(msg.reasoning_content).toMatch(/two cities/);
    expect(sent().tools).toEqual([{ name: "get_weather", input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } }]);
    expect(sent().tool_choice).toEqual({ type: "auto" });
  });

  it("parallel tool calls, streamed: per-call indexes 0 and 1, arguments reassemble", async () => {
    const stream = await h.client.chat.completions.create({
      model: "anthropic/claude-tools",
      messages: [{ role: "user", content: "Weather in SF and Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } } }],
      stream: true,
    });
    const calls: Record<number, { id?: string; name?: string; args: string }> = {};
    let finish: string | null = null;
    let reasoning = "";
    for await (const c of stream) {
      const d = c.choices[0]?.delta as any;
      reasoning += d?.reasoning_content ?? "";
      for (const t of d?.tool_calls ?? []) {
        const call = (calls[t.index] ??= { args: "" });
        call.id ??= t.id;
        call.name ??= t.function?.name;
        call.args += t.function?.arguments ?? "";
      }
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(Object.keys(calls)).toEqual(["0", "1"]);
    expect(calls[0]).toEqual({ id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", args: '{"location": "San Francisco, CA"}' });
    expect(JSON.parse(calls[1]!.args)).toEqual({ location: "Paris, France" });
    expect(finish).toBe("tool_calls");
    expect(reasoning).toBe("The user wants weather for two cities. I can call get_weather twice in parallel.");
  });

  it("tool results and images travel as Anthropic blocks", async () => {
    await h.client.chat.completions.create({
      model: "anthropic/claude-text",
      messages: [
        { role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQSkZJRg==" } }, { type: "image_url", image_url: { url: "https://example.com/cat.png" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "lookup", arguments: '{"q":"cat"}' } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "a cat" },
      ],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }],
    });
    expect(sent().messages).toEqual([
      { role: "user", content: [
        { type: "text", text: "What is this?" },
        { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQSkZJRg==" } },
        { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
      ] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "cat" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "a cat" }] },
    ]);
  });

  it("response_format json_schema: a forced tool upstream, JSON content back", async () => {
    const out = await h.client.chat.completions.create({
      model: "anthropic/claude-json",
      messages: [{ role: "user", content: "Weather in Paris as JSON" }],
      response_format: { type: "json_schema", json_schema: { name: "weather", schema: { type: "object", properties: { city: { type: "string" } } } } },
    });
    expect(JSON.parse(out.choices[0]!.message.content!)).toEqual({ city: "Paris", temperature_c: 18 });
    expect(out.choices[0]!.finish_reason).toBe("stop");
    expect(sent().tool_choice).toEqual({ type: "tool", name: "strait_json_response" });
  });

  it("forwards anthropic-beta from the client, nothing else of its headers", async () => {
    await h.client.chat.completions.create({ model: "anthropic/claude-text", messages: [{ role: "user", content: "Hi" }] }, { headers: { "anthropic-beta": "prompt-caching-2024-07-31", "x-secret-thing": "no" } });
    expect(last().headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    expect(last().headers["x-secret-thing"]).toBeUndefined();
  });

  it("upstream 529 overloaded → 502 with Anthropic's message", async () => {
    const err = await h.client.chat.completions.create({ model: "anthropic/claude-overloaded", messages: [{ role: "user", content: "Hi" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/Provider "anthropic" answered 529: Overloaded \(overloaded_error\)/);
    expect(err.message).not.toContain(ANTHROPIC_KEY);
  });

  it("upstream 400 invalid_request_error → 400 with Anthropic's message", async () => {
    const err = await h.client.chat.completions.create({ model: "anthropic/claude-invalid", messages: [{ role: "user", content: "Hi" }] }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/image\/jpeg image/);
    expect(err.error?.type).toBe("invalid_request_error");
  });

  it("n > 1 is refused before any upstream call", async () => {
    const err = await h.client.chat.completions.create({ model: "anthropic/claude-text", n: 3, messages: [{ role: "user", content: "Hi" }] }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/n must be 1/);
    expect(h.upstream.requests).toHaveLength(0);
  });

  it.each([
    ["claude-overloaded", "Once upon", /Overloaded/],
    ["claude-truncated", "Once upon a", /ended before message_stop/],
    ["claude-cut", "Grüße aus 東京", /failed mid-stream|ended before message_stop/],
  ])("a stream that dies mid-way (%s) ends with an error event, no [DONE]", async (model, content, pattern) => {
    const res = await fetch(`${h.gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: `anthropic/${model}`, messages: [{ role: "user", content: "Tell a story" }], stream: true }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain(`"content":"${content}"`);
    expect(text).not.toContain("[DONE]");
    const last = JSON.parse(text.trim().split("\n\n").at(-1)!.slice("data: ".length));
    expect(last.error.message).toMatch(pattern);

    const stream = await h.client.chat.completions.create({ model: `anthropic/${model}`, messages: [{ role: "user", content: "Tell a story" }], stream: true });
    const err = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toMatch(pattern);
  });
});
