/** Anthropic ⇄ OpenAI, as data. Every row here is documented in docs/providers/anthropic.md. */

import { NATIVE_UNSUPPORTED, type UnsupportedParams } from "../unsupported-params.js";

export const ANTHROPIC_VERSION = "2023-06-01";

/** Anthropic requires max_tokens; this is sent when the client gives neither max_tokens nor max_completion_tokens. */
export const DEFAULT_MAX_TOKENS = 4096;

/** The tool the gateway forces to get JSON out of Claude for `response_format`; its input becomes the message content. */
export const JSON_TOOL = "strait_json_response";

/** Anthropic stop_reason → OpenAI finish_reason. Anything unknown becomes "stop". */
export const FINISH_REASONS: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  // A server tool's long turn was paused; the client continues it by sending the answer back.
  pause_turn: "stop",
  refusal: "content_filter",
};

export function finishReason(stop: string | null | undefined): string {
  return (stop && FINISH_REASONS[stop]) || "stop";
}

/** OpenAI reasoning_effort → extended thinking budget (tokens). */
export const THINKING_BUDGET: Record<string, number> = { low: 1024, medium: 4096, high: 16384 };

/** OpenAI request fields with no Anthropic equivalent: the shared ones, and sampling hints Claude doesn't take. */
export const UNSUPPORTED: UnsupportedParams = {
  ...NATIVE_UNSUPPORTED,
  presence_penalty: "drop",
  frequency_penalty: "drop",
  seed: "drop",
};
