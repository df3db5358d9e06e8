import type { ChatCompletion, ToolCall } from "../../types.js";
import { geminiUsage } from "../../usage/normalize.js";
import { toolCallId } from "./ids.js";
import { finishReason } from "./mappings.js";

export interface GeminiUsage {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

/** One Gemini part's contribution to an OpenAI message or delta. */
export type PartOut = { content: string } | { reasoning: string } | { call: { name: string; args: unknown; signature?: string } } | null;

export function readPart(p: any): PartOut {
  if (p?.functionCall) return { call: { name: p.functionCall.name, args: p.functionCall.args ?? {}, signature: p.thoughtSignature } };
  if (typeof p?.text === "string" && p.text) return p.thought ? { reasoning: p.text } : { content: p.text };
  return null;
}

/** Gemini generateContent response → OpenAI chat.completion. */
export function fromGemini(json: any, model: string): ChatCompletion {
  const responseId: string = json.responseId ?? "";
  const candidates: any[] = json.candidates ?? [];
  const choices: ChatCompletion["choices"] = candidates.map((c, i) => {
    const index = c.index ?? i;
    let content = "";
    let reasoning = "";
    const toolCalls: ToolCall[] = [];
    for (const p of c.content?.parts ?? []) {
      const out = readPart(p);
      if (!out) continue;
      if ("content" in out) content += out.content;
      else if ("reasoning" in out) reasoning += out.reasoning;
      else toolCalls.push(functionCall(responseId, index, toolCalls.length, out.call));
    }
    const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: content || (toolCalls.length ? null : "") };
    if (toolCalls.length) message.tool_calls = toolCalls;
    if (reasoning) message.reasoning_content = reasoning;
    return { index, message, finish_reason: finishReason(c.finishReason ?? "STOP", toolCalls.length > 0), logprobs: null };
  });
  // A blocked prompt comes back with no candidates and a promptFeedback.blockReason.
  if (choices.length === 0) choices.push({ index: 0, message: { role: "assistant", content: null }, finish_reason: "content_filter", logprobs: null });
  return {
    id: responseId ? `chatcmpl-${responseId}` : `chatcmpl-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: json.modelVersion ?? model,
    choices,
    usage: geminiUsage(json.usageMetadata ?? {}),
  };
}

export function functionCall(responseId: string, candidate: number, position: number, call: { name: string; args: unknown; signature?: string }): ToolCall {
  return { id: toolCallId(responseId, candidate, position, call.name, call.signature), type: "function", function: { name: call.name, arguments: JSON.stringify(call.args) } };
}

/** Gemini's error body {error:{code, message, status}}. */
export function geminiErrorMessage(json: any): string | undefined {
  const e = Array.isArray(json) ? json[0]?.error : json?.error;
  if (e && typeof e.message === "string") return e.status ? `${e.message} (${e.status})` : e.message;
  return undefined;
}
