import type { ChatCompletion } from "../../types.js";
import { endOf, functionCallItem, itemId, markLastIncomplete, messageItem, reasoningItem, requestedModel, responseShell } from "./response-object.js";
import type { OutputItem, ResponseContext, ResponseObject } from "./types.js";
import { responsesUsageFromChat } from "./usage.js";

/**
 * A chat completion → the Response object OpenAI would have answered: reasoning, then the
 * message, then one function_call item per tool call.
 */
export function chatToResponse(completion: ChatCompletion, ctx: ResponseContext): ResponseObject {
  const choice = completion.choices?.[0];
  const message = choice?.message;
  const output: OutputItem[] = [];
  const reasoning = message?.reasoning_content;
  if (typeof reasoning === "string" && reasoning) output.push(reasoningItem(itemId("rs", ctx, output.length), reasoning));
  const text = contentText(message?.content);
  if (text) output.push(messageItem(itemId("msg", ctx, output.length), text, "completed"));
  for (const call of message?.tool_calls ?? []) {
    const index = output.length;
    output.push(functionCallItem(itemId("fc", ctx, index), call.id || itemId("call", ctx, index), call.function?.name ?? "", call.function?.arguments ?? "", "completed", ctx.namespaces));
  }
  const end = endOf(choice?.finish_reason);
  if (end.status === "incomplete") markLastIncomplete(output);
  const response = responseShell(ctx, completion.model || requestedModel(ctx), end.status);
  response.incomplete_details = end.incomplete_details;
  response.output = output;
  response.usage = completion.usage ? responsesUsageFromChat(completion.usage) : null;
  return response;
}

/** Message content as text: a string, or the text of content parts (some providers answer with parts). */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (p && typeof p === "object" && typeof p.text === "string" ? p.text : "")).join("");
}
