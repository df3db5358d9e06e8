import { beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { EventStreamDecoder, loadEventStreamCodec } from "../../../core/formats/eventstream.js";
import { toConverse, type ConverseCallState } from "../../../core/providers/bedrock/converse-request.js";
import { bedrockException, finishReason, fromConverse, usageOf } from "../../../core/providers/bedrock/converse-response.js";
import { converseStreamTranslator } from "../../../core/providers/bedrock/converse-stream.js";
import { bedrockProvider } from "../../../core/providers/bedrock/index.js";
import type { CallContext, StreamPart } from "../../../core/providers/types.js";
import type { ChatRequest } from "../../../core/types.js";
import { encodeTranscript } from "../../fixtures/bedrock/generate.js";
import { fixtureBytes, fixtureJson } from "../../helpers/fixtures.js";

beforeAll(loadEventStreamCodec);

const ctx = (over: Partial<CallContext> = {}): CallContext => ({
  providerName: "aws-bedrock",
  provider: bedrockProvider,
  config: {},
  model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
  baseUrl: "https://bedrock-runtime.us-east-1.amazonaws.com",
  credential: { kind: "none", source: "config" },
  stream: false,
  clientWantsUsage: false,
  clientHeaders: new Headers(),
  env: {},
  ...over,
});

const req = (over: Partial<ChatRequest>): ChatRequest => ({ model: "m", messages: [{ role: "user", content: "hi" }], ...over });
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const weather = { type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return e.status;
    throw e;
  }
  return 0;
}

describe("OpenAI chat → Converse", () => {
  it("moves system and developer messages to system blocks and maps inference settings", () => {
    const out = toConverse(
      req({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
          { role: "user", content: "Capital of France?" },
        ],
        max_completion_tokens: 300,
        max_tokens: 999,
        temperature: 0.2,
        top_p: 0.9,
        stop: "END",
        user: "user-42",
      }),
    );
    expect(out).toEqual({
      system: [{ text: "Be brief." }, { text: "Answer in French." }],
      messages: [{ role: "user", content: [{ text: "Capital of France?" }] }],
      inferenceConfig: { maxTokens: 300, temperature: 0.2, topP: 0.9, stopSequences: ["END"] },
      requestMetadata: { user: "user-42" },
    });
    expect(toConverse(req({ max_tokens: 50, stop: ["a", "b"] })).inferenceConfig).toEqual({ maxTokens: 50, stopSequences: ["a", "b"] });
  });

  it("merges consecutive turns of one role so user and assistant alternate", () => {
    const out = toConverse(
      req({
        messages: [
          { role: "user", content: "one" },
          { role: "user", content: "two" },
          { role: "assistant", content: "three" },
          { role: "assistant", content: [{ type: "text", text: "four" }] },
          { role: "user", content: "five" },
        ],
      }),
    );
    expect(out.messages).toEqual([
      { role: "user", content: [{ text: "one" }, { text: "two" }] },
      { role: "assistant", content: [{ text: "three" }, { text: "four" }] },
      { role: "user", content: [{ text: "five" }] },
    ]);
  });

  it("sends data-URL images as bytes with their format, and refuses http URLs clearly", () => {
    const out = toConverse(req({ messages: [{ role: "user", content: [{ type: "text", text: "What is it?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] }] }));
    expect(out.messages[0]!.content[1]).toEqual({ image: { format: "png", source: { bytes: PNG } } });
    const jpeg = toConverse(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/jpg;base64,${PNG}` } }] }] }));
    expect((jpeg.messages[0]!.content[0] as any).image.format).toBe("jpeg");
    try {
      toConverse(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] }));
      expect.unreachable();
    } catch (e) {
      expect((e as GatewayError).status).toBe(400);
      expect((e as GatewayError).message).toMatch(/cannot fetch image URLs.*data URL/);
      expect((e as GatewayError).param).toBe("messages[0].content[0].image_url.url");
    }
    expect(status(() => toConverse(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/tiff;base64,${PNG}` } }] }] })))).toBe(400);
    expect(status(() => toConverse(req({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] })))).toBe(400);
  });

  it("maps tools and every tool_choice", () => {
    const base = { tools: [weather] };
    const spec = { toolSpec: { name: "get_weather", description: "Weather", inputSchema: { json: weather.function.parameters } } };
    expect(toConverse(req(base)).toolConfig).toEqual({ tools: [spec] });
    expect(toConverse(req({ ...base, tool_choice: "auto" })).toolConfig).toEqual({ tools: [spec] });
    expect(toConverse(req({ ...base, tool_choice: "required" })).toolConfig).toEqual({ tools: [spec], toolChoice: { any: {} } });
    expect(toConverse(req({ ...base, tool_choice: { type: "function", function: { name: "get_weather" } } })).toolConfig).toEqual({ tools: [spec], toolChoice: { tool: { name: "get_weather" } } });
    expect(toConverse(req({ ...base, tool_choice: "none" })).toolConfig).toBeUndefined();
    expect(status(() => toConverse(req({ ...base, tool_choice: { type: "function", function: { name: "nope" } } })))).toBe(400);
    expect(status(() => toConverse(req({ tools: [{ type: "code_interpreter" }] })))).toBe(400);
  });

  const toolHistory: ChatRequest["messages"] = [
    { role: "user", content: "Weather in Paris and Berlin?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Berlin"}' } },
      ],
    },
    { role: "tool", tool_call_id: "call_a", content: "18°C" },
    { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "15°C" }] },
    { role: "user", content: "Which is warmer?" },
  ];

  it("turns parallel tool calls into toolUse blocks and their results into one user turn", () => {
    const out = toConverse(req({ messages: toolHistory, tools: [weather] }));
    expect(out.messages).toEqual([
      { role: "user", content: [{ text: "Weather in Paris and Berlin?" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: "call_a", name: "get_weather", input: { city: "Paris" } } },
          { toolUse: { toolUseId: "call_b", name: "get_weather", input: { city: "Berlin" } } },
        ],
      },
      {
        role: "user",
        content: [
          { toolResult: { toolUseId: "call_a", content: [{ text: "18°C" }] } },
          { toolResult: { toolUseId: "call_b", content: [{ text: "15°C" }] } },
          { text: "Which is warmer?" },
        ],
      },
    ]);
  });

  it("still sends toolConfig when the history holds tool blocks, even with tool_choice none or no tools", () => {
    expect(toConverse(req({ messages: toolHistory, tools: [weather], tool_choice: "none" })).toolConfig?.tools).toHaveLength(1);
    expect(toConverse(req({ messages: toolHistory })).toolConfig).toEqual({ tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object" } } } }] });
  });

  it("rejects tool arguments that are not a JSON object", () => {
    const bad = [{ role: "user", content: "x" }, { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function" as const, function: { name: "f", arguments: "{oops" } }] }];
    expect(status(() => toConverse(req({ messages: bad })))).toBe(400);
  });

  it("rejects a conversation with nothing but system messages", () => {
    expect(status(() => toConverse(req({ messages: [{ role: "system", content: "x" }] })))).toBe(400);
  });

  it("rejects n > 1 and logprobs", () => {
    expect(status(() => toConverse(req({ n: 2 })))).toBe(400);
    expect(toConverse(req({ n: 1 })).messages).toHaveLength(1);
    expect(status(() => toConverse(req({ logprobs: true })))).toBe(400);
  });

  it("turns response_format json_schema into a forced tool, and refuses it alongside tools", () => {
    const state: ConverseCallState = {};
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const out = toConverse(req({ response_format: { type: "json_schema", json_schema: { name: "city_info", schema } } }), state);
    expect(out.toolConfig).toEqual({ tools: [{ toolSpec: { name: "city_info", description: "Give the answer as this JSON object.", inputSchema: { json: schema } } }], toolChoice: { tool: { name: "city_info" } } });
    expect(state.jsonTool).toBe("city_info");
    expect(status(() => toConverse(req({ tools: [weather], response_format: { type: "json_schema", json_schema: { name: "x", schema } } })))).toBe(400);
    expect(toConverse(req({ response_format: { type: "text" } })).toolConfig).toBeUndefined();
  });

  it("passes Bedrock-native fields through", () => {
    const out = toConverse(req({ additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } }, guardrailConfig: { guardrailIdentifier: "g", guardrailVersion: "1" } }));
    expect(out.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 1024 } });
    expect(out.guardrailConfig).toEqual({ guardrailIdentifier: "g", guardrailVersion: "1" });
  });

  it("builds the converse path with the model id's colon encoded", async () => {
    const built = await bedrockProvider.chat!.request(req({}), ctx());
    expect(built.path).toBe("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse");
    const streamed = await bedrockProvider.chat!.request(req({}), ctx({ stream: true }));
    expect(streamed.path).toBe("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse-stream");
    expect(streamed.headers).toEqual({ accept: "application/vnd.amazon.eventstream" });
  });
});

describe("Converse → OpenAI chat.completion", () => {
  it("maps text and usage, counting cache reads into prompt tokens", () => {
    const out = fromConverse(fixtureJson("bedrock/converse-text.json"), ctx(), {});
    expect(out.choices).toEqual([{ index: 0, message: { role: "assistant", content: "Hello! The capital of France is Paris." }, finish_reason: "stop", logprobs: null }]);
    expect(out.usage).toEqual({ prompt_tokens: 1045, completion_tokens: 11, total_tokens: 1056, prompt_tokens_details: { cached_tokens: 1024 } });
    expect(out.model).toBe("us.anthropic.claude-3-7-sonnet-20250219-v1:0");
    expect(out.id).toMatch(/^chatcmpl-/);
  });

  it("maps parallel tool calls with Bedrock's toolUseId as id", () => {
    const out = fromConverse(fixtureJson("bedrock/converse-tool-use.json"), ctx(), {});
    expect(out.choices[0]!.finish_reason).toBe("tool_calls");
    expect(out.choices[0]!.message.content).toBe("I'll check the weather in both cities.");
    expect(out.choices[0]!.message.tool_calls).toEqual([
      { id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
      { id: "tooluse_2mY3QpLQS0ePDnzDqhJ1hA", type: "function", function: { name: "get_weather", arguments: '{"city":"Berlin","unit":"celsius"}' } },
    ]);
  });

  it("surfaces reasoning as reasoning_content", () => {
    const out = fromConverse(fixtureJson("bedrock/converse-reasoning.json"), ctx(), {});
    expect(out.choices[0]!.message).toEqual({ role: "assistant", content: "17 × 23 = 391.", reasoning_content: "The user asks for 17 * 23. 17 * 20 = 340, 17 * 3 = 51, total 391." });
  });

  it("returns a forced JSON tool's input as the content, finished with stop", () => {
    const out = fromConverse(fixtureJson("bedrock/converse-json-tool.json"), ctx(), { jsonTool: "city_info" });
    expect(out.choices[0]!.message).toEqual({ role: "assistant", content: '{"city":"Paris","country":"France","population":2102650}' });
    expect(out.choices[0]!.finish_reason).toBe("stop");
  });

  it("maps every stop reason", () => {
    const cases: Record<string, string> = {
      end_turn: "stop",
      stop_sequence: "stop",
      tool_use: "tool_calls",
      max_tokens: "length",
      model_context_window_exceeded: "length",
      guardrail_intervened: "content_filter",
      content_filtered: "content_filter",
      malformed_model_output: "stop",
      malformed_tool_use: "stop",
      something_new: "stop",
    };
    for (const [reason, finish] of Object.entries(cases)) expect([reason, finishReason(reason, {})]).toEqual([reason, finish]);
  });

  it("reports a cache write in the usage details", () => {
    expect(usageOf({ inputTokens: 10, outputTokens: 2, cacheReadInputTokens: 0, cacheWriteInputTokens: 500 })).toEqual({
      prompt_tokens: 510,
      completion_tokens: 2,
      total_tokens: 512,
      prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 500 },
    });
    // cacheDetails splits the writes by TTL: the 1-hour ones are counted apart.
    const details = [{ ttl: "1h", inputTokens: 300 }, { ttl: "5m", inputTokens: 200 }];
    expect(usageOf({ inputTokens: 10, outputTokens: 2, cacheReadInputTokens: 0, cacheWriteInputTokens: 500, cacheDetails: details })?.prompt_tokens_details).toEqual({
      cached_tokens: 0,
      cache_write_tokens: 500,
      cache_write_1h_tokens: 300,
    });
  });

  it("fails clearly on a body that is not a Converse answer", () => {
    expect(status(() => fromConverse({ foo: 1 }, ctx(), {}))).toBe(502);
  });

  it("maps exception names to statuses", () => {
    expect(bedrockException("throttlingException", "slow down").status).toBe(429);
    expect(bedrockException("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", "bad").status).toBe(400);
    expect(bedrockException("modelStreamErrorException", "x").status).toBe(502);
    expect(bedrockException("serviceUnavailableException", "x").status).toBe(503);
    expect(bedrockException("modelTimeoutException", "x").status).toBe(504);
    expect(bedrockException("accessDeniedException", "x").status).toBe(403);
    expect(bedrockException("brandNewException", "x").status).toBe(502);
    expect(bedrockException("internalServerException", "key AKIAIOSFODNN7EXAMPLE").message).not.toContain("AKIA");
  });
});

function translate(name: string, state: ConverseCallState = {}) {
  const decoder = new EventStreamDecoder();
  const t = converseStreamTranslator(ctx({ stream: true }), state);
  const parts: StreamPart[] = [];
  for (const m of decoder.push(fixtureBytes(`bedrock/${name}.bin`))) parts.push(...t.push(m));
  parts.push(...t.end());
  return parts.map((p) => p.chunk);
}

describe("ConverseStream → OpenAI chunks", () => {
  it("streams role, text, finish_reason, then the usage chunk from metadata", () => {
    const chunks = translate("stream-text");
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello! The capital of France is Paris — Ünïcödé ✓.");
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop", logprobs: null });
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ prompt_tokens: 1045, completion_tokens: 14, total_tokens: 1059, prompt_tokens_details: { cached_tokens: 1024 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("numbers tool calls by call, not by Bedrock's block index, and streams reasoning", () => {
    const chunks = translate("stream-tool-use");
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toEqual({ index: 0, id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", type: "function", function: { name: "get_weather", arguments: "" } });
    const args = (i: number) => deltas.filter((d) => d.index === i).map((d) => d.function?.arguments ?? "").join("");
    expect(JSON.parse(args(0))).toEqual({ city: "Paris" });
    expect(JSON.parse(args(1))).toEqual({ city: "Berlin" });
    expect(deltas.find((d) => d.index === 1 && d.id)!.id).toBe("tooluse_2mY3QpLQS0ePDnzDqhJ1hA");
    expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("")).toBe("Two cities: call the tool twice.");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Checking both cities.");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)!.usage!.total_tokens).toBe(510);
  });

  it("throws a 429 GatewayError on a throttlingException frame", () => {
    try {
      translate("stream-throttled");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError);
      expect((e as GatewayError).status).toBe(429);
      expect((e as GatewayError).message).toContain("Too many tokens");
    }
  });

  it("streams a forced JSON tool's input as content, finished with stop", () => {
    const bytes = encodeTranscript([
      { event: "messageStart", body: { role: "assistant" } },
      { event: "contentBlockStart", body: { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_x", name: "city_info" } } } },
      { event: "contentBlockDelta", body: { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":' } } } },
      { event: "contentBlockDelta", body: { contentBlockIndex: 0, delta: { toolUse: { input: '"Paris"}' } } } },
      { event: "contentBlockStop", body: { contentBlockIndex: 0 } },
      { event: "messageStop", body: { stopReason: "tool_use" } },
    ]);
    const t = converseStreamTranslator(ctx({ stream: true }), { jsonTool: "city_info" });
    const chunks = new EventStreamDecoder().push(bytes).flatMap((m) => t.push(m)).map((p) => p.chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe('{"city":"Paris"}');
    expect(chunks.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });

  it("turns an :message-type error frame into an upstream error", () => {
    const t = converseStreamTranslator(ctx({ stream: true }), {});
    const frame = { headers: { ":message-type": "error", ":error-code": "InternalFailure", ":error-message": "boom" }, body: new Uint8Array() };
    expect(() => t.push(frame)).toThrow(/InternalFailure: boom/);
  });

  it("throws at the end when no messageStop arrived", () => {
    const bytes = fixtureBytes("bedrock/stream-text.bin");
    const decoder = new EventStreamDecoder();
    const t = converseStreamTranslator(ctx({ stream: true }), {});
    const frames = decoder.push(bytes);
    for (const m of frames.slice(0, 4)) t.push(m);
    expect(() => t.end()).toThrow(/before messageStop/);
  });
});

describe("prompt caching on Converse", () => {
  it("cache_control on a part becomes a cache point after it, in system and user content", () => {
    const out = toConverse({
      model: "m",
      messages: [
        { role: "system", content: [{ type: "text", text: "Long rules", cache_control: { type: "ephemeral" } }] },
        { role: "user", content: [{ type: "text", text: "A long document", cache_control: { type: "ephemeral" } }, { type: "text", text: "Question?" }] },
      ],
    } as never);
    expect(out.system).toEqual([{ text: "Long rules" }, { cachePoint: { type: "default" } }]);
    expect(out.messages[0]!.content).toEqual([{ text: "A long document" }, { cachePoint: { type: "default" } }, { text: "Question?" }]);
  });
});
