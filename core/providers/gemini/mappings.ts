/** Gemini ⇄ OpenAI, as data. Every row here is documented in docs/providers/gemini.md. */

import { NATIVE_UNSUPPORTED, type UnsupportedParams } from "../unsupported-params.js";

/** Gemini finishReason → OpenAI finish_reason ("stop" with function calls in the answer becomes "tool_calls"). */
export const FINISH_REASONS: Record<string, string> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  IMAGE_PROHIBITED_CONTENT: "content_filter",
  IMAGE_RECITATION: "content_filter",
  LANGUAGE: "stop",
  OTHER: "stop",
  IMAGE_OTHER: "stop",
  NO_IMAGE: "stop",
  MALFORMED_FUNCTION_CALL: "stop",
  UNEXPECTED_TOOL_CALL: "stop",
  TOO_MANY_TOOL_CALLS: "stop",
  MISSING_THOUGHT_SIGNATURE: "stop",
  FINISH_REASON_UNSPECIFIED: "stop",
};

export function finishReason(reason: string, hasToolCalls: boolean): string {
  const mapped = FINISH_REASONS[reason] ?? "stop";
  return mapped === "stop" && hasToolCalls && reason === "STOP" ? "tool_calls" : mapped;
}

/** OpenAI tool_choice → Gemini functionCallingConfig.mode. */
export const TOOL_CHOICE: Record<string, string> = { auto: "AUTO", none: "NONE", required: "ANY" };

/** OpenAI reasoning_effort → thinkingConfig.thinkingBudget (tokens; 0 turns thinking off where the model allows it). */
export const THINKING_BUDGET: Record<string, number> = { none: 0, minimal: 0, low: 1024, medium: 8192, high: 24576 };

/** OpenAI request field → generationConfig field, copied as is. */
export const GENERATION_CONFIG: Record<string, string> = {
  temperature: "temperature",
  top_p: "topP",
  top_k: "topK",
  presence_penalty: "presencePenalty",
  frequency_penalty: "frequencyPenalty",
  seed: "seed",
  n: "candidateCount",
};

/** OpenAI request fields Gemini has no equivalent for: the shared ones, and request metadata it has no place for. */
export const UNSUPPORTED: UnsupportedParams = {
  ...NATIVE_UNSUPPORTED,
  user: "drop",
  metadata: "drop",
  parallel_tool_calls: "drop",
};

/** Marks a Gemini thought signature carried inside an OpenAI tool call id (see ids.ts). */
export const SIGNATURE_MARK = ".ts.";
