import { describe, expect, it } from "vitest";
import { chatToMessage } from "../../../../core/formats/anthropic/from-chat.js";
import { toAnthropicUsage } from "../../../../core/formats/anthropic/usage.js";
import type { ChatCompletion } from "../../../../core/types.js";
import { fixtureJson } from "../../../helpers/fixtures.js";

const completion = (message: object, finish: string | null = "stop", extra: object = {}): ChatCompletion => ({
  id: "chatcmpl-abc123",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, message: { role: "assistant", content: null, ...message }, finish_reason: finish, ...extra } as any],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
});

describe("chatToMessage", () => {
  it("a text answer (recorded OpenAI fixture)", () => {
    const c = fixtureJson<ChatCompletion>("openai/chat.json");
    const m = chatToMessage(c, "fast");
    expect(m).toEqual({
      id: `msg_${c.id.replace("chatcmpl-", "")}`,
      type: "message",
      role: "assistant",
      model: "fast",
      content: [{ type: "text", text: c.choices[0]!.message.content }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: toAnthropicUsage(c.usage),
    });
  });

  it("tool calls (recorded OpenAI fixture) → tool_use blocks with parsed input", () => {
    const c = fixtureJson<ChatCompletion>("openai/chat-tools.json");
    const m = chatToMessage(c, "gpt-4o-mini");
    const calls = c.choices[0]!.message.tool_calls!;
    expect(m.stop_reason).toBe("tool_use");
    expect(m.content.filter((b) => b.type === "tool_use")).toEqual(calls.map((t) => ({ type: "tool_use", id: t.id, name: t.function.name, input: JSON.parse(t.function.arguments) })));
  });

  it("blocks in Anthropic's order: thinking (empty signature), text, tool_use", () => {
    const m = chatToMessage(
      completion({ reasoning_content: "Hmm.", content: "Let me check.", tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] }, "tool_calls"),
      "m",
    );
    expect(m.content).toEqual([
      { type: "thinking", thinking: "Hmm.", signature: "" },
      { type: "text", text: "Let me check." },
      { type: "tool_use", id: "call_1", name: "f", input: { a: 1 } },
    ]);
  });

  it("arguments that are not a JSON object become {}", () => {
    for (const args of ["{broken", "[1,2]", '"text"', "", "null"]) {
      const m = chatToMessage(completion({ tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: args } }] }, "tool_calls"), "m");
      expect(m.content).toEqual([{ type: "tool_use", id: "c", name: "f", input: {} }]);
    }
  });

  it.each([
    ["stop", false, "end_turn"],
    ["length", false, "max_tokens"],
    ["tool_calls", true, "tool_use"],
    ["function_call", false, "tool_use"],
    ["content_filter", false, "refusal"],
    [null, false, "end_turn"],
    ["something_new", false, "end_turn"],
    ["stop", true, "tool_use"],
    ["length", true, "max_tokens"],
  ] as const)("finish_reason %s (tool calls: %s) → %s", (finish, tools, stop) => {
    const calls = tools ? { tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] } : { content: "x" };
    expect(chatToMessage(completion(calls, finish), "m").stop_reason).toBe(stop);
  });

  it("a stop sequence is named when the upstream says which (vLLM stop_reason, SGLang matched_stop)", () => {
    expect(chatToMessage(completion({ content: "x" }, "stop", { stop_reason: "END" }), "m")).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "END" });
    expect(chatToMessage(completion({ content: "x" }, "stop", { matched_stop: "###" }), "m")).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "###" });
    expect(chatToMessage(completion({ content: "x" }, "stop", { stop_reason: 128009 }), "m")).toMatchObject({ stop_reason: "end_turn", stop_sequence: null });
  });

  it("an OpenAI refusal is text with stop_reason refusal", () => {
    expect(chatToMessage(completion({ refusal: "I can't help with that." }), "m")).toMatchObject({ content: [{ type: "text", text: "I can't help with that." }], stop_reason: "refusal" });
  });

  it("content given as parts, an empty answer, a missing id", () => {
    expect(chatToMessage(completion({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }), "m").content).toEqual([{ type: "text", text: "ab" }]);
    expect(chatToMessage(completion({ content: "" }), "m").content).toEqual([]);
    const m = chatToMessage({ ...completion({ content: "x" }), id: "" }, "m");
    expect(m.id).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});

describe("toAnthropicUsage", () => {
  it("input_tokens leaves out cache reads and writes", () => {
    expect(toAnthropicUsage({ prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050, prompt_tokens_details: { cached_tokens: 600, cache_write_tokens: 300 } })).toEqual({
      input_tokens: 100,
      output_tokens: 50,
      cache_read_input_tokens: 600,
      cache_creation_input_tokens: 300,
    });
    expect(toAnthropicUsage({ prompt_tokens: 1000, completion_tokens: 0, total_tokens: 1000, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 400 } })).toMatchObject({
      input_tokens: 600,
      cache_creation_input_tokens: 400,
    });
  });

  it("writes kept for an hour show in cache_creation, split by TTL", () => {
    expect(toAnthropicUsage({ prompt_tokens: 1000, completion_tokens: 0, total_tokens: 1000, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 400, cache_write_1h_tokens: 150 } })).toEqual({
      input_tokens: 600,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 400,
      cache_creation: { ephemeral_5m_input_tokens: 250, ephemeral_1h_input_tokens: 150 },
    });
  });

  it("no usage is zeros; inconsistent counts never go negative", () => {
    expect(toAnthropicUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(toAnthropicUsage({ prompt_tokens: 5, completion_tokens: 1, total_tokens: 6, prompt_tokens_details: { cached_tokens: 9 } }).input_tokens).toBe(0);
  });
});
