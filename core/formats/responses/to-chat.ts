import { badRequest } from "../../errors.js";
import type { ChatRequest } from "../../types.js";
import { Dropped, type Json, array, boolean, isObject, nonEmptyString, number, object, oneOf, optional, own, positiveInteger, string } from "./check.js";
import { Conversation } from "./input.js";
import { type ChatTool, chatToolChoice, chatTools } from "./tools.js";
import type { NamespaceMap, ResponseItem } from "./types.js";

export interface ResponsesToChat {
  chat: ChatRequest;
  /** What had no effect on `chat`, once each: unknown fields by name, the rest as "<field>:<what>". */
  dropped: string[];
  namespaces: NamespaceMap;
}

/** Fields this translator reads or the route handles (store, previous_response_id, metadata, stream). */
const KNOWN = new Set([
  "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "text", "max_output_tokens",
  "reasoning", "temperature", "top_p", "user", "safety_identifier", "metadata", "stream", "stream_options", "store",
  "previous_response_id", "include", "truncation", "prompt_cache_key", "prompt_cache_retention", "service_tier",
  "background", "conversation", "prompt", "top_logprobs", "max_tool_calls",
]);

/** Hints a chat model can answer correctly without; listed in `dropped` when set. */
const HINTS = ["prompt_cache_key", "prompt_cache_retention", "service_tier", "max_tool_calls"];

const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;

/**
 * A Responses API request (JSON-parsed) → an OpenAI chat.completions request, for providers that
 * have no Responses API. `history` is the conversation so far when the request continues an
 * earlier response (previous_response_id): that response's input items, then its output items.
 * Throws a 400 naming the field for what is malformed or can't be honoured; drops and lists the rest.
 */
export function responsesToChat(body: unknown, history: ResponseItem[] = []): ResponsesToChat {
  if (!isObject(body)) throw badRequest("The request body must be a JSON object: a Responses API request with model and input.");
  refuseUnsupported(body);
  const dropped = new Dropped();
  const model = nonEmptyString(own(body, "model"), "model", "Name the model to use.");

  const conversation = new Conversation(dropped);
  for (const [i, item] of history.entries()) conversation.add(item, `previous_response_id.items[${i}]`);
  const input = own(body, "input");
  if (typeof input === "string") conversation.add({ type: "message", role: "user", content: input }, "input");
  else if (input != null) for (const [i, item] of array(input, "input", "a string or an array of input items").entries()) conversation.add(item, `input[${i}]`);
  else if (history.length === 0) throw badRequest("input is required: a string, or an array of input items.", "input");

  const messages = conversation.finish();
  const instructions = optional(body, "instructions", string);
  if (instructions) messages.unshift({ role: "system", content: instructions });
  if (messages.length === 0) throw badRequest("input has no items to send to the model: add at least one message.", "input");

  const chat: ChatRequest = { model, messages };
  const { namespaces } = applyTools(body, chat, dropped);
  applyOptions(body, chat, dropped);
  for (const key of Object.keys(body)) if (!KNOWN.has(key)) dropped.add(key);
  return { chat, dropped: dropped.list(), namespaces };
}

/** Fields whose meaning lives at OpenAI (stored prompts, conversations, background jobs): a client relying on them must hear no. */
function refuseUnsupported(body: Json) {
  if (own(body, "background") != null && boolean(own(body, "background"), "background")) {
    throw badRequest("background responses are not supported by this gateway; send the request without background, or with stream: true.", "background", "unsupported_parameter");
  }
  if (own(body, "conversation") != null) {
    throw badRequest("conversation is not supported by this gateway; continue a conversation with previous_response_id, or send the items in input.", "conversation", "unsupported_parameter");
  }
  if (own(body, "prompt") != null) {
    throw badRequest("prompt (a stored prompt template) is not supported by this gateway; send the text as instructions and input.", "prompt", "unsupported_parameter");
  }
}

function applyTools(body: Json, chat: ChatRequest, dropped: Dropped): { namespaces: NamespaceMap } {
  const declared = own(body, "tools");
  let { tools, namespaces } = declared == null ? { tools: [] as ChatTool[], namespaces: Object.create(null) as NamespaceMap } : chatTools(declared, dropped);
  const { choice, allowed } = chatToolChoice(own(body, "tool_choice"), tools, dropped);
  if (allowed) tools = tools.filter((t) => allowed.has(t.function.name));
  const parallel = optional(body, "parallel_tool_calls", boolean);
  if (tools.length) {
    chat.tools = tools;
    if (choice !== undefined) chat.tool_choice = choice;
    if (parallel !== undefined) chat.parallel_tool_calls = parallel;
  } else if (choice !== undefined && choice !== "auto" && choice !== "none") {
    dropped.add("tool_choice");
  }
  return { namespaces };
}

function applyOptions(body: Json, chat: ChatRequest, dropped: Dropped) {
  const text = optional(body, "text", object);
  if (text) {
    const format = optional(text, "format", (v) => object(v, "text.format"));
    if (format) applyFormat(format, chat);
    if (optional(text, "verbosity", (v) => oneOf(v, "text.verbosity", ["low", "medium", "high"] as const))) dropped.add("text.verbosity");
  }
  const max = optional(body, "max_output_tokens", positiveInteger);
  if (max !== undefined) chat.max_completion_tokens = max;
  const reasoning = optional(body, "reasoning", object);
  const effort = reasoning && optional(reasoning, "effort", (v) => oneOf(v, "reasoning.effort", EFFORTS));
  // Chat providers know none…high; "xhigh" asks for the most, which is "high" to them.
  if (effort) chat.reasoning_effort = effort === "xhigh" ? "high" : effort;
  const temperature = optional(body, "temperature", number);
  if (temperature !== undefined) chat.temperature = temperature;
  const topP = optional(body, "top_p", number);
  if (topP !== undefined) chat.top_p = topP;
  const user = optional(body, "safety_identifier", (v) => string(v, "safety_identifier")) ?? optional(body, "user", string);
  if (user !== undefined) chat.user = user;
  if (optional(body, "stream", boolean)) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }

  // Read by the route, or by the response side; checked here so a malformed one is a 400 before any upstream call.
  optional(body, "metadata", object);
  optional(body, "store", boolean);
  optional(body, "previous_response_id", string);
  optional(body, "stream_options", object);

  for (const [i, v] of (optional(body, "include", array) ?? []).entries()) dropped.add(`include:${string(v, `include[${i}]`)}`);
  if (optional(body, "truncation", (v) => oneOf(v, "truncation", ["auto", "disabled"] as const)) === "auto") dropped.add("truncation");
  if (optional(body, "top_logprobs", number)) dropped.add("top_logprobs");
  for (const key of HINTS) if (own(body, key) != null) dropped.add(key);
}

function applyFormat(format: Json, chat: ChatRequest) {
  const type = oneOf(own(format, "type"), "text.format.type", ["text", "json_object", "json_schema"] as const);
  if (type === "json_object") chat.response_format = { type: "json_object" };
  if (type !== "json_schema") return;
  const schema: Json = {
    name: nonEmptyString(own(format, "name"), "text.format.name", "A json_schema format needs a name."),
    schema: object(own(format, "schema"), "text.format.schema", "a JSON Schema object"),
  };
  const description = optional(format, "description", (v) => string(v, "text.format.description"));
  if (description !== undefined) schema.description = description;
  const strict = optional(format, "strict", (v) => boolean(v, "text.format.strict"));
  if (strict !== undefined) schema.strict = strict;
  chat.response_format = { type: "json_schema", json_schema: schema };
}
