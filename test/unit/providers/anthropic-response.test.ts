import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FINISH_REASONS } from "../../../core/providers/anthropic/mappings.js";
import { anthropicErrorMessage, fromAnthropic } from "../../../core/providers/anthropic/response.js";
import { anthropicUsage as toOpenAIUsage } from "../../../core/usage/normalize.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/anthropic/${name}`, import.meta.url), "utf8"));

describe("Anthropic → OpenAI response", () => {
  it("maps a text answer with cache usage", () => {
    const out = fromAnthropic(fixture("response-text.json"));
    expect(out).toMatchObject({ id: "msg_01XFDUDYJgAACzvnptvVoYEL", object: "chat.completion", model: "claude-sonnet-4-5-20250929" });
    expect(out.choices).toEqual([{ index: 0, message: { role: "assistant", content: "Hi! My name is Claude." }, finish_reason: "stop", logprobs: null }]);
    // input_tokens excludes cache reads and writes: 2095 + 8192 + 1024.
    expect(out.usage).toEqual({
      prompt_tokens: 11311,
      completion_tokens: 503,
      total_tokens: 11814,
      prompt_tokens_details: { cached_tokens: 8192, cache_write_tokens: 1024 },
    });
  });

  it("maps parallel tool calls, text and thinking", () => {
    const out = fromAnthropic(fixture("response-tools.json"));
    expect(out.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "Checking both cities.",
        reasoning_content: "The user wants weather for two cities. I can call get_weather twice in parallel.",
        tool_calls: [
          { id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: '{"location":"San Francisco, CA"}' } },
          { id: "toolu_01CqQk4XWNXm2UyrPz2S7c5v", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris, France"}' } },
        ],
      },
      finish_reason: "tool_calls",
      logprobs: null,
    });
    expect(out.usage).toMatchObject({ prompt_tokens: 2060, completion_tokens: 89, total_tokens: 2149, prompt_tokens_details: { cached_tokens: 2048 } });
  });

  it("turns the forced JSON tool back into content with finish_reason stop", () => {
    const out = fromAnthropic(fixture("response-json.json"));
    expect(out.choices[0]!.message).toEqual({ role: "assistant", content: '{"city":"Paris","temperature_c":18}' });
    expect(out.choices[0]!.finish_reason).toBe("stop");
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["pause_turn", "stop"],
    ["refusal", "content_filter"],
    [null, "stop"],
    ["something_new", "stop"],
  ])("stop_reason %s → finish_reason %s", (stop, finish) => {
    const out = fromAnthropic({ id: "m", model: "c", content: [{ type: "text", text: "x" }], stop_reason: stop, usage: { input_tokens: 1, output_tokens: 1 } });
    expect(out.choices[0]!.finish_reason).toBe(finish);
  });

  it("covers every documented stop reason in the table", () => {
    expect(Object.keys(FINISH_REASONS).sort()).toEqual(["end_turn", "max_tokens", "model_context_window_exceeded", "pause_turn", "refusal", "stop_sequence", "tool_use"]);
  });

  it("reads usage without cache fields", () => {
    expect(toOpenAIUsage({ input_tokens: 3, output_tokens: 4 })).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it("reads Anthropic's error body", () => {
    expect(anthropicErrorMessage(fixture("error-overloaded.json"))).toBe("Overloaded (overloaded_error)");
    expect(anthropicErrorMessage({ nope: 1 })).toBeUndefined();
  });
});
