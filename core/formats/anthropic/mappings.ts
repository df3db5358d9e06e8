/** Anthropic Messages ⇄ OpenAI chat, as data: the inverse of core/providers/anthropic/mappings.ts. */

/**
 * Extended-thinking budget_tokens → reasoning_effort. The thresholds sit at the budgets the
 * outbound direction sends (low 1024, medium 4096, high 16384), so a budget maps back to the
 * effort it came from: below 4096 low, below 16384 medium, from 16384 up high.
 */
export function effortForBudget(budget: number): "low" | "medium" | "high" {
  if (budget < 4096) return "low";
  return budget < 16384 ? "medium" : "high";
}

/**
 * output_config.effort → reasoning_effort. Anthropic's xhigh and max become high: every
 * reasoning target takes high, few take xhigh, none takes max.
 */
export const EFFORTS: ReadonlyMap<string, string> = new Map([
  ["low", "low"],
  ["medium", "medium"],
  ["high", "high"],
  ["xhigh", "high"],
  ["max", "high"],
]);

const STOP_REASONS: ReadonlyMap<string, string> = new Map([
  ["stop", "end_turn"],
  ["length", "max_tokens"],
  ["tool_calls", "tool_use"],
  ["function_call", "tool_use"],
  ["content_filter", "refusal"],
]);

export interface Stop {
  stop_reason: string;
  stop_sequence: string | null;
}

/**
 * OpenAI finish_reason → Anthropic stop_reason. A turn that produced tool calls is "tool_use"
 * whatever the finish reason says (some upstreams say "stop"), unless it was cut short or filtered:
 * clients run tools only on "tool_use". OpenAI never says which stop sequence matched; vLLM
 * (`stop_reason`) and SGLang (`matched_stop`) do, on the choice, and then it is "stop_sequence".
 */
export function stopReason(finish: string | null | undefined, hadToolCalls: boolean, choice?: Record<string, unknown>): Stop {
  if (finish === "length" || finish === "content_filter") return { stop_reason: STOP_REASONS.get(finish)!, stop_sequence: null };
  if (hadToolCalls) return { stop_reason: "tool_use", stop_sequence: null };
  const matched = choice?.stop_reason ?? choice?.matched_stop;
  if (finish === "stop" && typeof matched === "string" && matched) return { stop_reason: "stop_sequence", stop_sequence: matched };
  return { stop_reason: STOP_REASONS.get(finish ?? "") ?? "end_turn", stop_sequence: null };
}

/** A message id in Anthropic's style, from the upstream's completion id ("chatcmpl-abc" → "msg_abc"). */
export function messageId(completionId: unknown): string {
  if (typeof completionId === "string" && completionId) {
    return completionId.startsWith("msg_") ? completionId : `msg_${completionId.replace(/^chatcmpl-/, "")}`;
  }
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}
