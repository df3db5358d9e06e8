import type { ChatCompletion } from "../../types.js";
import { isObject } from "./check.js";
import { messageId, stopReason } from "./mappings.js";
import type { AnthropicContentBlock, AnthropicMessage } from "./types.js";
import { toAnthropicUsage } from "./usage.js";

/**
 * An OpenAI chat.completion → an Anthropic Message for the client that asked in Anthropic's
 * format. Blocks come in Anthropic's order: thinking (from reasoning_content, with an empty
 * signature: there is none to give, and only Claude checks one), text, then tool_use.
 */
export function chatToMessage(completion: ChatCompletion, requestedModel: string): AnthropicMessage {
  const choice = completion.choices?.[0];
  const message: Record<string, unknown> = choice?.message ?? {};
  const id = messageId(completion.id);
  const content: AnthropicContentBlock[] = [];

  const reasoning = textOf(message.reasoning_content) || textOf(message.reasoning);
  if (reasoning) content.push({ type: "thinking", thinking: reasoning, signature: "" });
  const refusal = typeof message.refusal === "string" ? message.refusal : "";
  const text = textOf(message.content) || refusal;
  if (text) content.push({ type: "text", text });
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  calls.forEach((call, i) => {
    const fn = isObject(call?.function) ? call.function : {};
    content.push({
      type: "tool_use",
      id: typeof call?.id === "string" && call.id ? call.id : `toolu_${id.slice(4)}_${i}`,
      name: typeof fn.name === "string" ? fn.name : "",
      input: toolInput(fn.arguments),
    });
  });

  const stop = refusal ? { stop_reason: "refusal", stop_sequence: null } : stopReason(choice?.finish_reason, calls.length > 0, choice);
  return { id, type: "message", role: "assistant", model: requestedModel, content, ...stop, usage: toAnthropicUsage(completion.usage) };
}

/** A message's content as text: a string, or the text of an array of parts. */
function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (!Array.isArray(v)) return "";
  return v.map((p) => (isObject(p) && typeof p.text === "string" ? p.text : "")).join("");
}

/**
 * A tool call's arguments → Anthropic's `input`, which must be an object. Arguments that are not
 * a JSON object (a model's broken JSON, an answer cut off at max_tokens) become {}: the client's
 * tool then reports the missing arguments to the model, which can call again. Keeping the raw
 * text inside `input` would hand the tool an argument it never declared.
 */
function toolInput(args: unknown): Record<string, unknown> {
  if (typeof args !== "string" || !args.trim()) return {};
  try {
    const v = JSON.parse(args);
    return isObject(v) ? v : {};
  } catch {
    return {};
  }
}
