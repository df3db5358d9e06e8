import { badRequest } from "../../errors.js";
import type { ChatMessage, ChatRequest } from "../../types.js";
import { Dropped, type Json, array, clip, isObject, kind, object, optionalNumber, positiveInteger, string } from "./check.js";
import { EFFORTS, effortForBudget } from "./mappings.js";
import { chatMessages, systemText } from "./to-chat-messages.js";
import { chatToolChoice, chatTools } from "./to-chat-tools.js";

export interface MessagesToChatOptions {
  /**
   * Send earlier thinking blocks back as the assistant message's `reasoning_content` (some
   * reasoning models, DeepSeek's among them, want their reasoning back during tool use). Off by
   * default: OpenAI's own API takes no such field, and it is often another model's thinking.
   */
  keepReasoning?: boolean;
}

/** Fields this translator reads; any other top-level field is dropped and listed, never refused. */
const KNOWN = new Set([
  "model", "messages", "system", "max_tokens", "stop_sequences", "temperature", "top_p", "top_k",
  "metadata", "stream", "tools", "tool_choice", "thinking", "output_config", "output_format",
]);

/**
 * An Anthropic Messages request (parsed JSON) → the gateway's OpenAI chat request, for a target
 * that is not Claude. Throws a 400 naming the field for what is malformed or can't be expressed;
 * what is only left out (Anthropic-only fields, server tools, cache hints on the system prompt,
 * unknown fields) comes back in `dropped` as paths: "context_management", "tools[web_search]",
 * "tools[].defer_loading", "messages[].content[redacted_thinking]".
 */
export function messagesToChat(body: unknown, options: MessagesToChatOptions = {}): { chat: ChatRequest; dropped: string[] } {
  if (!isObject(body)) throw badRequest(`The request body must be a JSON object (an Anthropic Messages request), not ${kind(body)}.`, null, "invalid_value");
  const dropped = new Dropped();
  const model = string(body.model, "model");
  if (!model || model.length > 256) throw badRequest("model must be a model name of 1 to 256 characters.", "model", "invalid_value");

  const system = body.system == null ? "" : systemText(body.system, "system", dropped);
  const turns = chatMessages(body.messages, dropped, options.keepReasoning === true);
  const messages: ChatMessage[] = system ? [{ role: "system", content: system }, ...turns] : turns;

  const chat: ChatRequest = { model, messages, max_completion_tokens: positiveInteger(body.max_tokens, "max_tokens") };
  if (body.stream != null && typeof body.stream !== "boolean") throw badRequest(`stream must be true or false, not ${kind(body.stream)}.`, "stream", "invalid_value");
  if (body.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  for (const field of ["temperature", "top_p", "top_k"] as const) {
    const v = optionalNumber(body[field], field);
    if (v !== undefined) chat[field] = v;
  }
  if (body.stop_sequences != null) {
    const stop = array(body.stop_sequences, "stop_sequences").map((s, i) => string(s, `stop_sequences[${i}]`));
    if (stop.length) chat.stop = stop;
  }
  applyMetadata(body.metadata, chat, dropped);
  applyTools(body, chat, dropped);
  applyReasoning(body, chat, dropped);
  applyOutputFormat(body, chat, dropped);
  for (const key of Object.keys(body)) if (!KNOWN.has(key)) dropped.add(clip(key));
  return { chat, dropped: dropped.list() };
}

function applyMetadata(raw: unknown, chat: ChatRequest, dropped: Dropped) {
  if (raw == null) return;
  const metadata = object(raw, "metadata");
  const user = metadata.user_id;
  if (user != null && typeof user !== "string") throw badRequest(`metadata.user_id must be a string, not ${kind(user)}.`, "metadata.user_id", "invalid_value");
  if (user) chat.user = user;
  for (const key of Object.keys(metadata)) if (key !== "user_id") dropped.add(`metadata.${clip(key)}`);
}

function applyTools(body: Json, chat: ChatRequest, dropped: Dropped) {
  const { tools, droppedNames } = body.tools == null ? { tools: [], droppedNames: new Set<string>() } : chatTools(body.tools, dropped);
  if (tools.length) chat.tools = tools;
  Object.assign(chat, chatToolChoice(body.tool_choice, tools, droppedNames, dropped));
}

/**
 * thinking → reasoning_effort, only when thinking is enabled: by its budget (mappings.ts
 * effortForBudget), or by output_config.effort, which wins. Adaptive thinking is left to the model
 * (its effort dropped): Claude Code sends adaptive thinking with an effort to every model it does
 * not know, and a model without reasoning (gpt-4o) refuses reasoning_effort with a 400.
 */
function applyReasoning(body: Json, chat: ChatRequest, dropped: Dropped) {
  let effort: string | undefined;
  let disabled = true;
  if (body.thinking != null) {
    const thinking = object(body.thinking, "thinking");
    if (thinking.type === "enabled") {
      const budget = optionalNumber(thinking.budget_tokens, "thinking.budget_tokens");
      if (budget === undefined) throw badRequest("thinking.budget_tokens is required when thinking is enabled: the most tokens to think with.", "thinking.budget_tokens", "missing_required_parameter");
      effort = effortForBudget(budget);
      disabled = false;
    } else if (thinking.type !== "disabled" && thinking.type !== "adaptive") dropped.add("thinking");
  }
  const config = isObject(body.output_config) ? body.output_config : undefined;
  if (config?.effort != null) {
    const mapped = typeof config.effort === "string" ? EFFORTS.get(config.effort) : undefined;
    if (mapped && !disabled) effort = mapped;
    else dropped.add("output_config.effort");
  }
  if (effort) chat.reasoning_effort = effort;
}

/** output_config.format (or the older top-level output_format) json_schema → response_format json_schema. */
function applyOutputFormat(body: Json, chat: ChatRequest, dropped: Dropped) {
  if (body.output_config != null) {
    const config = object(body.output_config, "output_config");
    for (const key of Object.keys(config)) if (key !== "effort" && key !== "format") dropped.add(`output_config.${clip(key)}`);
  }
  const inConfig = isObject(body.output_config) && body.output_config.format != null;
  const param = inConfig ? "output_config.format" : "output_format";
  const raw = inConfig ? (body.output_config as Json).format : body.output_format;
  if (raw == null) return;
  const format = object(raw, param);
  if (format.type !== "json_schema") throw badRequest(`${param}.type must be "json_schema".`, `${param}.type`, "invalid_value");
  chat.response_format = { type: "json_schema", json_schema: { name: "response", schema: object(format.schema, `${param}.schema`) } };
}
