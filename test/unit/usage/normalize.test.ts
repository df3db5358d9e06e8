import { beforeAll, describe, expect, it } from "vitest";
import { fromAnthropic } from "../../../core/providers/anthropic/response.js";
import { fromConverse } from "../../../core/providers/bedrock/converse-response.js";
import { fromGemini } from "../../../core/providers/gemini/response.js";
import { usageOf } from "../../../core/usage/normalize.js";
import { loadEventStreamCodec } from "../../../core/formats/eventstream.js";
import { EventStreamUsageScanner, SSEUsageScanner } from "../../../core/usage/scanners.js";
import { fixtureBytes, fixtureJson, fixtureText, fixtureTranscript } from "../../helpers/fixtures.js";

beforeAll(loadEventStreamCodec);

describe("one call costs the same on every route", () => {
  it("the /v1 translators and the pass-through reader agree on each provider's usage", () => {
    const anthropic = fixtureJson("anthropic/response-text.json");
    expect(usageOf(anthropic)).toEqual(fromAnthropic(anthropic).usage);
    const converse = fixtureJson("bedrock/converse-text.json");
    expect(usageOf(converse)).toEqual(fromConverse(converse, { model: "m" } as never, {}).usage);
    // Gemini's tool-use prompt tokens are billed as input on both routes.
    const gemini = { candidates: [{ content: { parts: [{ text: "x" }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 10, toolUsePromptTokenCount: 3, candidatesTokenCount: 5, totalTokenCount: 18 } };
    expect(usageOf(gemini)).toEqual(fromGemini(gemini, "m").usage);
    expect(usageOf(gemini)!.prompt_tokens).toBe(13);
  });

  it("Bedrock InvokeModel streams report usage in the last chunk's invocation metrics", () => {
    const metrics = { type: "message_stop", "amazon-bedrock-invocationMetrics": { inputTokenCount: 12, outputTokenCount: 34 } };
    expect(usageOf(metrics)).toEqual({ prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 });
  });
});

describe("usage from native answers", () => {
  it("reads each provider's shape into OpenAI's", () => {
    expect(usageOf(fixtureJson("openai/chat.json"))).toMatchObject({ prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 });
    expect(usageOf(fixtureJson("anthropic/response-text.json"))).toEqual({
      prompt_tokens: 2095 + 1024 + 8192,
      completion_tokens: 503,
      total_tokens: 2095 + 1024 + 8192 + 503,
      prompt_tokens_details: { cached_tokens: 8192, cache_write_tokens: 1024 },
    });
    expect(usageOf(fixtureJson("bedrock/converse-text.json"))).toEqual({ prompt_tokens: 1045, completion_tokens: 11, total_tokens: 1056, prompt_tokens_details: { cached_tokens: 1024 } });
    // Cache writes by TTL, the same field names on every provider.
    const anthropic1h = { type: "message", usage: { input_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 700, cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 500 }, output_tokens: 3 } };
    expect(usageOf(anthropic1h)?.prompt_tokens_details).toEqual({ cached_tokens: 0, cache_write_tokens: 700, cache_write_1h_tokens: 500 });
    const converse1h = { output: {}, usage: { inputTokens: 10, cacheWriteInputTokens: 700, cacheDetails: [{ ttl: "1h", inputTokens: 500 }, { ttl: "5m", inputTokens: 200 }], outputTokens: 3 } };
    expect(usageOf(converse1h)?.prompt_tokens_details).toEqual({ cached_tokens: 0, cache_write_tokens: 700, cache_write_1h_tokens: 500 });
    expect(usageOf({ object: "response", usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 4, cache_write_tokens: 6 }, output_tokens: 7, total_tokens: 19 } })?.prompt_tokens_details).toEqual({ cached_tokens: 4, cache_write_tokens: 6 });
    expect(usageOf({ candidates: [], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 7, totalTokenCount: 22, cachedContentTokenCount: 4 } })).toEqual({
      prompt_tokens: 10,
      completion_tokens: 12,
      total_tokens: 22,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 7 },
    });
    expect(usageOf({ object: "response", usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 19 } })).toEqual({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
    expect(usageOf({ data: [] })).toBeUndefined();
    expect(usageOf("text")).toBeUndefined();
    expect(usageOf(null)).toBeUndefined();
  });

  const anthropicBody = new Uint8Array(fixtureTranscript("anthropic/stream-text.http").body);

  it("SSE: the same usage whatever the chunk boundaries (Anthropic's message_start + message_delta)", () => {
    const whole = new SSEUsageScanner();
    whole.push(anthropicBody);
    const expected = whole.end();
    expect(expected?.prompt_tokens).toBe(25);
    expect(expected?.completion_tokens).toBeGreaterThan(1);
    for (let k = 1; k < anthropicBody.length; k++) {
      const s = new SSEUsageScanner();
      s.push(anthropicBody.subarray(0, k));
      s.push(anthropicBody.subarray(k));
      expect(s.end(), `split at ${k}`).toEqual(expected);
    }
  });

  it("SSE: Gemini's usageMetadata, the last one wins, CRLF framing", () => {
    const text = fixtureText("gemini/stream-text.http");
    const body = new TextEncoder().encode(text.slice(/\r?\n\r?\n/.exec(text)!.index));
    const s = new SSEUsageScanner();
    for (let i = 0; i < body.length; i += 5) s.push(body.subarray(i, i + 5));
    expect(s.end()).toMatchObject({ prompt_tokens: 9, total_tokens: 61 });
  });

  it("SSE: OpenAI's usage chunk (usage: null before it) and no usage at all", () => {
    const s = new SSEUsageScanner();
    s.push(new TextEncoder().encode(fixtureText("openai/chat-stream.sse")));
    expect(s.end()).toMatchObject({ prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) });
    const none = new SSEUsageScanner();
    none.push(new TextEncoder().encode('data: {"choices":[],"usage":null}\n\ndata: [DONE]\n\n'));
    expect(none.end()).toBeUndefined();
  });

  it("event stream: Bedrock's metadata event, split anywhere; a corrupt stream only stops the watching", () => {
    const bytes = fixtureBytes("bedrock/stream-text.bin");
    const whole = new EventStreamUsageScanner();
    whole.push(bytes);
    const expected = whole.end();
    expect(expected?.total_tokens).toBeGreaterThan(0);
    for (let k = 1; k < bytes.length; k += 3) {
      const s = new EventStreamUsageScanner();
      s.push(bytes.subarray(0, k));
      s.push(bytes.subarray(k));
      expect(s.end(), `split at ${k}`).toEqual(expected);
    }
    const corrupt = new EventStreamUsageScanner();
    expect(() => corrupt.push(new Uint8Array([0, 0, 0, 1, 9, 9, 9, 9]))).not.toThrow();
    expect(corrupt.end()).toBeUndefined();
  });
});
