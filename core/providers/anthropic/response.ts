import type { ChatCompletion, ToolCall } from "../../types.js";
import { anthropicUsage } from "../../usage/normalize.js";
import { JSON_TOOL, finishReason } from "./mappings.js";

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/** Anthropic Messages response → OpenAI chat.completion. */
export function fromAnthropic(json: any): ChatCompletion {
  let text = "";
  let reasoning = "";
  let jsonAnswer = false;
  const toolCalls: ToolCall[] = [];
  for (const block of json.content ?? []) {
    if (block.type === "text") text += block.text;
    else if (block.type === "thinking") reasoning += block.thinking;
    else if (block.type === "tool_use" && block.name === JSON_TOOL) {
      text += JSON.stringify(block.input ?? {});
      jsonAnswer = true;
    } else if (block.type === "tool_use") {
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: text || (toolCalls.length ? null : "") };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  if (json.stop_reason === "refusal") message.refusal = text || null;
  return {
    id: json.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: json.model,
    choices: [{ index: 0, message, finish_reason: jsonAnswer && json.stop_reason === "tool_use" ? "stop" : finishReason(json.stop_reason), logprobs: null }],
    usage: anthropicUsage(json.usage ?? {}),
  };
}

/** Anthropic's error body {type:"error", error:{type, message}}. */
export function anthropicErrorMessage(json: any): string | undefined {
  const e = json?.error;
  if (e && typeof e.message === "string") return e.type ? `${e.message} (${e.type})` : e.message;
  return undefined;
}
