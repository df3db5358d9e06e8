import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CallContext } from "../../../core/providers/types.js";
import { geminiEmbeddings } from "../../../core/providers/gemini/embeddings.js";
import { signatureOf, toolCallId } from "../../../core/providers/gemini/ids.js";
import { FINISH_REASONS } from "../../../core/providers/gemini/mappings.js";
import { fromGemini, geminiErrorMessage } from "../../../core/providers/gemini/response.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/gemini/${name}`, import.meta.url), "utf8"));

describe("Gemini → OpenAI response", () => {
  it("maps text, thoughts and usage with cached and reasoning tokens", () => {
    const out = fromGemini(fixture("response-text.json"), "gemini-2.5-flash");
    expect(out).toMatchObject({ id: "chatcmpl-kH8gafrUH4KHz7IPk8ijuAk", object: "chat.completion", model: "gemini-2.5-flash" });
    expect(out.choices).toEqual([{
      index: 0,
      message: { role: "assistant", content: "Hallo! How can I help?", reasoning_content: "**Planning a greeting**\n\nThe user said hello; answer warmly." },
      finish_reason: "stop",
      logprobs: null,
    }]);
    expect(out.usage).toEqual({
      prompt_tokens: 4100,
      completion_tokens: 45,
      total_tokens: 4145,
      prompt_tokens_details: { cached_tokens: 4096 },
      completion_tokens_details: { reasoning_tokens: 38 },
    });
  });

  it("maps parallel function calls to tool_calls with deterministic ids; the thought signature rides in the id", () => {
    const json = fixture("response-tools.json");
    const a = fromGemini(json, "m");
    const b = fromGemini(json, "m");
    const calls = a.choices[0]!.message.tool_calls!;
    expect(calls.map((c) => c.function)).toEqual([
      { name: "get_weather", arguments: '{"location":"San Francisco, CA"}' },
      { name: "get_weather", arguments: '{"location":"Paris, France"}' },
    ]);
    expect(b.choices[0]!.message.tool_calls!.map((c) => c.id)).toEqual(calls.map((c) => c.id));
    expect(calls[0]!.id).toMatch(/^call_[0-9a-f]{16}\.ts\./);
    expect(signatureOf(calls[0]!.id)).toBe("CiQBVKhc7zW1dRbA9mbQ8Ps3Fe+q0Xk/Jj6TbuJ1cmD7nQI=");
    expect(calls[1]!.id).toMatch(/^call_[0-9a-f]{16}$/);
    expect(calls[0]!.id).not.toBe(calls[1]!.id);
    expect(a.choices[0]!.message.content).toBeNull();
    expect(a.choices[0]!.finish_reason).toBe("tool_calls");
    expect(a.usage).toMatchObject({ prompt_tokens: 70, completion_tokens: 84, total_tokens: 154 });
  });

  it("ids differ across responses and candidates", () => {
    expect(toolCallId("r1", 0, 0, "f")).not.toBe(toolCallId("r2", 0, 0, "f"));
    expect(toolCallId("r1", 0, 0, "f")).not.toBe(toolCallId("r1", 1, 0, "f"));
  });

  it("a blocked prompt becomes an empty answer with finish_reason content_filter", () => {
    const out = fromGemini(fixture("response-blocked.json"), "m");
    expect(out.choices).toEqual([{ index: 0, message: { role: "assistant", content: null }, finish_reason: "content_filter", logprobs: null }]);
    expect(out.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 0 });
  });

  it("maps n candidates to n choices", () => {
    const out = fromGemini({ candidates: [0, 1].map((i) => ({ index: i, content: { role: "model", parts: [{ text: `v${i}` }] }, finishReason: "STOP" })), responseId: "r" }, "m");
    expect(out.choices.map((c) => [c.index, c.message.content])).toEqual([[0, "v0"], [1, "v1"]]);
  });

  it.each(Object.entries(FINISH_REASONS))("finishReason %s → %s", (reason, finish) => {
    const out = fromGemini({ candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: reason }] }, "m");
    expect(out.choices[0]!.finish_reason).toBe(finish);
  });

  it("reads Gemini's error body", () => {
    expect(geminiErrorMessage(fixture("error-unavailable.json"))).toBe("The model is overloaded. Please try again later. (UNAVAILABLE)");
    expect(geminiErrorMessage([fixture("error-unavailable.json")])).toMatch(/overloaded/);
  });
});

describe("Gemini embeddings", () => {
  const ctx = () => ({ model: "gemini-embedding-001" }) as CallContext;

  it("one string → embedContent", async () => {
    const c = ctx();
    const req = await geminiEmbeddings.request({ model: "x", input: "hello", dimensions: 768, task_type: "RETRIEVAL_QUERY" }, c);
    expect(req).toEqual({ path: "/v1beta/models/gemini-embedding-001:embedContent", body: { content: { parts: [{ text: "hello" }] }, outputDimensionality: 768, taskType: "RETRIEVAL_QUERY" }, state: { base64: false } });
    expect(geminiEmbeddings.response!(fixture("embed-response.json"), c, req.state)).toEqual({
      object: "list",
      data: [{ object: "embedding", index: 0, embedding: [0.013168523, -0.008711934, -0.046782676, 0.00069968984] }],
      model: "gemini-embedding-001",
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  });

  it("a list → batchEmbedContents; base64 encoding is little-endian float32 like OpenAI's", async () => {
    const c = ctx();
    const req = await geminiEmbeddings.request({ model: "x", input: ["a", "b"], encoding_format: "base64" }, c);
    expect(req).toEqual({
      path: "/v1beta/models/gemini-embedding-001:batchEmbedContents",
      body: { requests: [{ model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] } }, { model: "models/gemini-embedding-001", content: { parts: [{ text: "b" }] } }] },
      state: { base64: true },
    });
    const out = geminiEmbeddings.response!(fixture("batch-embed-response.json"), c, req.state) as any;
    expect(out.data).toHaveLength(2);
    const bytes = Uint8Array.from(atob(out.data[1].embedding), (ch) => ch.charCodeAt(0));
    expect(Array.from(new Float32Array(bytes.buffer))).toEqual([-0.0214, 0.0097, 0.0583, -0.0011].map(Math.fround));
  });

  it("token-id input is refused", async () => {
    expect(() => geminiEmbeddings.request({ model: "x", input: [[1, 2, 3]] }, ctx())).toThrow(/not token ids/);
  });
});
