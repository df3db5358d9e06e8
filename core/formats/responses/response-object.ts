import { isObject, own } from "./check.js";
import type { FunctionCallItem, MessageItem, NamespaceMap, OutputItem, ReasoningItem, ResponseContext, ResponseObject, ResponseStatus } from "./types.js";

/** An output item's id: the response's own id, made unique per output index ("msg_abc_0", "fc_abc_1"). */
export function itemId(prefix: "msg" | "fc" | "rs" | "call", ctx: ResponseContext, index: number): string {
  return `${prefix}_${ctx.id.replace(/^resp_/, "")}_${index}`;
}

/** How a chat finish_reason ends a response: "length" and "content_filter" leave it incomplete. */
export function endOf(finishReason: string | null | undefined): Pick<ResponseObject, "status" | "incomplete_details"> {
  if (finishReason === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finishReason === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

/**
 * The Response object with no output yet: the request's settings echoed back with OpenAI's defaults
 * for what it left out. `request` was accepted by responsesToChat, so its fields have the right types.
 */
export function responseShell(ctx: ResponseContext, model: string, status: ResponseStatus): ResponseObject {
  const req = isObject(ctx.request) ? ctx.request : {};
  const get = <T>(key: string, fallback: T): T => (own(req, key) ?? fallback) as T;
  const reasoning = isObject(own(req, "reasoning")) ? (req.reasoning as Record<string, unknown>) : {};
  const text = isObject(own(req, "text")) ? (req.text as Record<string, unknown>) : {};
  return {
    id: ctx.id,
    object: "response",
    created_at: ctx.createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: get("instructions", null),
    max_output_tokens: get("max_output_tokens", null),
    max_tool_calls: get("max_tool_calls", null),
    model,
    output: [],
    parallel_tool_calls: get("parallel_tool_calls", true),
    previous_response_id: get("previous_response_id", null),
    prompt_cache_key: get("prompt_cache_key", null),
    reasoning: { effort: (own(reasoning, "effort") ?? null) as string | null, summary: (own(reasoning, "summary") ?? null) as string | null },
    safety_identifier: get("safety_identifier", null),
    service_tier: "default",
    store: get("store", true),
    temperature: get("temperature", 1),
    text: { format: own(text, "format") ?? { type: "text" }, verbosity: (own(text, "verbosity") ?? "medium") as string },
    tool_choice: get("tool_choice", "auto"),
    tools: get("tools", []),
    top_logprobs: get("top_logprobs", 0),
    top_p: get("top_p", 1),
    truncation: get("truncation", "disabled"),
    usage: null,
    user: get("user", null),
    metadata: get("metadata", {}),
  };
}

/** The model the request named, for when the upstream didn't say. */
export const requestedModel = (ctx: ResponseContext): string => {
  const m = isObject(ctx.request) ? own(ctx.request, "model") : undefined;
  return typeof m === "string" ? m : "";
};

export function messageItem(id: string, text: string, status: MessageItem["status"]): MessageItem {
  return { id, type: "message", status, role: "assistant", content: [{ type: "output_text", text, annotations: [], logprobs: [] }] };
}

export function reasoningItem(id: string, text: string): ReasoningItem {
  return { id, type: "reasoning", summary: [{ type: "summary_text", text }] };
}

/** A function call item; a flattened namespace tool name is split back into namespace and name. */
export function functionCallItem(id: string, callId: string, flatName: string, args: string, status: FunctionCallItem["status"], namespaces: NamespaceMap): FunctionCallItem {
  const item: FunctionCallItem = { id, type: "function_call", status, arguments: args, call_id: callId, name: flatName };
  const origin = Object.hasOwn(namespaces, flatName) ? namespaces[flatName] : undefined;
  if (origin) {
    item.name = origin.name;
    item.namespace = origin.namespace;
  }
  return item;
}

/** In an incomplete response the item the model was writing when it stopped is incomplete too. */
export function markLastIncomplete(output: OutputItem[]): void {
  const last = output[output.length - 1];
  if (last && last.type !== "reasoning") last.status = "incomplete";
}
