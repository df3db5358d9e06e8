import { describe, expect, it } from "vitest";
import { clientPath, upstreamUrl } from "../../../core/pipeline/passthrough.js";
import { EventStreamUsageScanner, SSEUsageScanner, usageOf } from "../../../core/pipeline/passthrough-usage.js";
import { GatewayError } from "../../../core/errors.js";
import { fixtureBytes, fixtureJson, fixtureText, fixtureTranscript } from "../../helpers/fixtures.js";

describe("upstreamUrl: the client's path under the provider's base URL", () => {
  const cases: Array<[base: string, path: string, search: string, expected: string]> = [
    // 1. the provider's own full path
    ["https://api.openai.com/v1", "/v1/responses", "", "https://api.openai.com/v1/responses"],
    ["https://api.anthropic.com", "/v1/messages", "?beta=true", "https://api.anthropic.com/v1/messages?beta=true"],
    ["https://generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "?alt=sse", "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"],
    ["https://bedrock-runtime.us-east-1.amazonaws.com", "/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse", "", "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse"],
    ["https://res.openai.azure.com", "/openai/deployments/gpt-4o/chat/completions", "?api-version=2024-10-21", "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"],
    ["https://api.groq.com/openai/v1", "/openai/v1/chat/completions", "", "https://api.groq.com/openai/v1/chat/completions"],
    // 2. another API version of the same provider
    ["https://generativelanguage.googleapis.com/v1beta", "/v1/models/gemini-2.5-flash:generateContent", "", "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent"],
    ["https://api.groq.com/openai/v1", "/v1/chat/completions", "", "https://api.groq.com/openai/v1/chat/completions"],
    ["https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1", "/v1/chat/completions", "", "https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1/chat/completions"],
    // 3. relative to the base URL (Cloudflare AI Gateway's convention)
    ["https://api.openai.com/v1", "/chat/completions", "", "https://api.openai.com/v1/chat/completions"],
    ["https://api.groq.com/openai/v1", "/chat/completions", "", "https://api.groq.com/openai/v1/chat/completions"],
    ["http://127.0.0.1:9001/v1", "/embeddings", "", "http://127.0.0.1:9001/v1/embeddings"],
  ];
  it.each(cases)("%s + %s%s", (base, path, search, expected) => {
    expect(upstreamUrl(base, path, search)).toBe(expected);
  });

  it("a Workers AI pass-through stays inside the account's AI API, whatever the path says", () => {
    const base = "https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1";
    expect(upstreamUrl(base, "/client/v4/accounts/ffffffffffffffffffffffffffffffff/ai/v1/x", "")).toBe(`${base}/client/v4/accounts/ffffffffffffffffffffffffffffffff/ai/v1/x`);
    expect(upstreamUrl(base, "/zones", "")).toBe(`${base}/zones`);
  });

  it("the host never changes", () => {
    for (const path of ["/@evil.example/x", "/x@evil.example", "/.evil.example"]) {
      expect(new URL(upstreamUrl("https://api.openai.com/v1", path, "")).host).toBe("api.openai.com");
    }
  });
});

describe("clientPath: what may follow /{provider}", () => {
  it("keeps the provider's own path as sent, encoded characters included", () => {
    expect(clientPath("/openai/v1/responses", "openai")).toBe("/v1/responses");
    expect(clientPath("/aws-bedrock/model/a.b-v1%3A0/converse", "aws-bedrock")).toBe("/model/a.b-v1%3A0/converse");
    expect(clientPath("/workers-ai/v1/run/@cf/meta/llama", "workers-ai")).toBe("/v1/run/@cf/meta/llama");
  });
  it.each([
    "/openai",
    "/openai/",
    "/openai//evil.example/x",
    "/openai/v1/..%2fadmin",
    "/openai/v1/%2F",
    "/openai/v1/%5cx",
    "/openai/v1/%2e%2e/x",
    "/openai/v1/%2E/x",
    "/openai/v1/x%00",
    "/openai/v1/../x",
    "/openai/v1/./x",
    "/openai/v1/a\\b",
    "/openai/https://evil.example/",
  ])("refuses %s with a 400", (p) => {
    const err = (() => {
      try {
        clientPath(p, "openai");
      } catch (e) {
        return e;
      }
    })() as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
  });
});

describe("usage from native answers", () => {
  it("reads each provider's shape into OpenAI's", () => {
    expect(usageOf(fixtureJson("openai/chat.json"))).toMatchObject({ prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 });
    expect(usageOf(fixtureJson("anthropic/response-text.json"))).toEqual({
      prompt_tokens: 2095 + 1024 + 8192,
      completion_tokens: 503,
      total_tokens: 2095 + 1024 + 8192 + 503,
      prompt_tokens_details: { cached_tokens: 8192 },
    });
    expect(usageOf(fixtureJson("bedrock/converse-text.json"))).toEqual({ prompt_tokens: 1045, completion_tokens: 11, total_tokens: 1056, prompt_tokens_details: { cached_tokens: 1024 } });
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
