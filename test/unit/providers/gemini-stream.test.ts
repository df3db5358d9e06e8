import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { geminiStreamTranslator } from "../../../core/providers/gemini/stream.js";
import { fromGemini } from "../../../core/providers/gemini/response.js";
import { fixtureTranscript } from "../../helpers/fixtures.js";
import { expectSameAtEverySplit, translateSSE } from "../../helpers/splits.js";

/** A recorded Gemini stream (CRLF-framed SSE) through a fresh translator, the same output however its bytes are cut. */
const everySplit = (name: string) =>
  expectSameAtEverySplit(new Uint8Array(fixtureTranscript(`gemini/${name}`).body), (pieces) => translateSSE(geminiStreamTranslator({ model: "gemini-2.5-flash" }), pieces));

const c = (id: string, delta: object, finish: string | null = null) => ({
  id, object: "chat.completion.chunk", created: 0, model: "gemini-2.5-flash", choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
});

describe("Gemini stream → OpenAI chunks", () => {
  it("thoughts, text (UTF-8 split anywhere, CRLF framing), finish, then usage at the end", () => {
    const { chunks, error } = everySplit("stream-text.http");
    expect(error).toBeUndefined();
    const id = "chatcmpl-kH8gafrUH4KHz7IPk8ijuAk";
    expect(chunks).toEqual([
      c(id, { role: "assistant", content: "" }),
      c(id, { reasoning_content: "**Planning a greeting**\n\nThe user said hello; answer warmly." }),
      c(id, { content: "Hallo! Grüße aus 東京" }),
      c(id, { content: " 🌸 — how can I help?" }),
      c(id, {}, "stop"),
      { id, object: "chat.completion.chunk", created: 0, model: "gemini-2.5-flash", choices: [], usage: { prompt_tokens: 9, completion_tokens: 52, total_tokens: 61, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 38 } } },
    ]);
  });

  it("function calls across events get indexes 0,1 and the same ids as the non-streamed answer", () => {
    const { chunks, error } = everySplit("stream-tools.http");
    expect(error).toBeUndefined();
    const calls = chunks.flatMap((ch) => ch.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((t: any) => [t.index, t.function.name, t.function.arguments])).toEqual([
      [0, "get_weather", '{"location":"San Francisco, CA"}'],
      [1, "get_weather", '{"location":"Paris, France"}'],
    ]);
    const nonStreamed = fromGemini({ responseId: "x4AgaYyTL5Kpz7IP0_mV4Qo", candidates: [{ index: 0, content: { parts: [
      { functionCall: { name: "get_weather", args: { location: "San Francisco, CA" } }, thoughtSignature: "CiQBVKhc7zW1dRbA9mbQ8Ps3Fe+q0Xk/Jj6TbuJ1cmD7nQI=" },
      { functionCall: { name: "get_weather", args: { location: "Paris, France" } } },
    ] }, finishReason: "STOP" }] }, "m");
    expect(calls.map((t: any) => t.id)).toEqual(nonStreamed.choices[0]!.message.tool_calls!.map((t) => t.id));
    expect(chunks.at(-2).choices[0].finish_reason).toBe("tool_calls");
    expect(chunks.at(-1).usage).toMatchObject({ prompt_tokens: 2100, completion_tokens: 91, total_tokens: 2191, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it("an error object in the stream throws a GatewayError", () => {
    const { chunks, error } = everySplit("stream-error.http");
    expect(chunks).toHaveLength(2);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error!.message).toMatch(/overloaded.*UNAVAILABLE/);
  });

  it("a stream without a finishReason is truncated", () => {
    const { chunks, error } = everySplit("stream-truncated.http");
    expect(chunks).toHaveLength(3);
    expect(error!.code).toBe("upstream_truncated");
  });

  it("a blocked prompt streams as content_filter", () => {
    const t = geminiStreamTranslator({ model: "m" });
    const out = t.push({ data: JSON.stringify({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 }, responseId: "r" }) });
    expect(out.map((p) => p.chunk.choices[0]!.finish_reason)).toEqual([null, "content_filter"]);
    expect(t.end()[0]!.chunk.usage).toMatchObject({ prompt_tokens: 4 });
  });

  it("n candidates stream as separate choices, finished only when all are", () => {
    const t = geminiStreamTranslator({ model: "m" });
    const ev = (cands: object[]) => t.push({ data: JSON.stringify({ candidates: cands, responseId: "r" }) });
    ev([{ index: 0, content: { parts: [{ text: "a" }] } }, { index: 1, content: { parts: [{ text: "b" }] } }]);
    ev([{ index: 0, finishReason: "STOP" }]);
    expect(() => geminiStreamTranslator({ model: "m" }).end()).toThrow(GatewayError);
    const t2 = t;
    expect(() => t2.end()).toThrow(/incomplete/);
    ev([{ index: 1, finishReason: "MAX_TOKENS" }]);
    expect(t.end()).toHaveLength(1);
  });
});
