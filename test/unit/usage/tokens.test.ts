import { describe, expect, it } from "vitest";
import { anthropicUsage, converseUsage, geminiUsage, responsesUsage } from "../../../core/usage/normalize.js";
import { tokensOf } from "../../../core/usage/tokens.js";

describe("tokensOf", () => {
  it("splits a call's tokens by how they are billed, from every provider's usage", () => {
    expect(tokensOf(anthropicUsage({ input_tokens: 100, cache_read_input_tokens: 800, cache_creation_input_tokens: 300, output_tokens: 50 }))).toEqual({
      in: 1200,
      out: 50,
      cachedRead: 800,
      cachedWrite: 300,
      reasoning: 0,
    });
    expect(tokensOf(converseUsage({ inputTokens: 10, cacheReadInputTokens: 20, cacheWriteInputTokens: 30, outputTokens: 5 }))).toEqual({ in: 60, out: 5, cachedRead: 20, cachedWrite: 30, reasoning: 0 });
    expect(tokensOf(geminiUsage({ promptTokenCount: 10, cachedContentTokenCount: 4, candidatesTokenCount: 5, thoughtsTokenCount: 7 }))).toEqual({ in: 10, out: 12, cachedRead: 4, cachedWrite: 0, reasoning: 7 });
    expect(tokensOf(responsesUsage({ input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 2 } }))).toEqual({
      in: 12,
      out: 7,
      cachedRead: 4,
      cachedWrite: 0,
      reasoning: 2,
    });
  });

  it("no usage, or nonsense in it, is zeros; parts are held to their totals", () => {
    expect(tokensOf(undefined)).toEqual({ in: 0, out: 0, cachedRead: 0, cachedWrite: 0, reasoning: 0 });
    expect(tokensOf({ prompt_tokens: Number.NaN, completion_tokens: -1, total_tokens: 0 })).toEqual({ in: 0, out: 0, cachedRead: 0, cachedWrite: 0, reasoning: 0 });
    expect(tokensOf({ prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 8, cache_write_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 9 } })).toEqual({
      in: 10,
      out: 2,
      cachedRead: 8,
      cachedWrite: 2,
      reasoning: 2,
    });
  });
});
