import { GatewayError, upstreamError } from "../../errors.js";
import { scrub } from "../../scrub.js";
import { converseUsage } from "../../usage/normalize.js";
import type { ChatCompletion, ToolCall, Usage } from "../../types.js";
import type { CallContext } from "../types.js";
import type { ConverseCallState } from "./converse-request.js";

/** Every Converse stopReason → OpenAI's finish_reason. */
const FINISH: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  tool_use: "tool_calls",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
  // The model produced something Bedrock could not parse: the answer ends there.
  malformed_model_output: "stop",
  malformed_tool_use: "stop",
};

export function finishReason(stopReason: unknown, state: ConverseCallState): string {
  if (stopReason === "tool_use" && state.jsonTool) return "stop";
  return FINISH[String(stopReason)] ?? "stop";
}

/** Converse `usage` → OpenAI usage (core/usage/normalize.ts). */
export function usageOf(u: any): Usage | undefined {
  return u && typeof u === "object" ? converseUsage(u) : undefined;
}

/** A non-streamed Converse answer → an OpenAI chat.completion. */
export function fromConverse(json: any, ctx: CallContext, state: ConverseCallState): ChatCompletion {
  const blocks: any[] = json?.output?.message?.content;
  if (!Array.isArray(blocks)) throw upstreamError(502, 'Provider "aws-bedrock" sent a Converse answer without output.message.content.', "bad_upstream_response");
  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  for (const b of blocks) {
    if (typeof b?.text === "string") text += b.text;
    else if (b?.toolUse) {
      const input = JSON.stringify(b.toolUse.input ?? {});
      if (state.jsonTool && b.toolUse.name === state.jsonTool) text += input;
      else toolCalls.push({ id: String(b.toolUse.toolUseId), type: "function", function: { name: String(b.toolUse.name), arguments: input } });
    } else if (typeof b?.reasoningContent?.reasoningText?.text === "string") reasoning += b.reasoningContent.reasoningText.text;
  }
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: toolCalls.length && !text ? null : text };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  const out: ChatCompletion = {
    id: `chatcmpl-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: ctx.model,
    choices: [{ index: 0, message, finish_reason: finishReason(json.stopReason, state), logprobs: null }],
  };
  const usage = usageOf(json.usage);
  if (usage) out.usage = usage;
  return out;
}

/** Bedrock's exception names (in :exception-type or x-amzn-errortype) → the status a client sees. */
const EXCEPTION_STATUS: Record<string, number> = {
  validationexception: 400,
  accessdeniedexception: 403,
  resourcenotfoundexception: 404,
  throttlingexception: 429,
  servicequotaexceededexception: 429,
  modeltimeoutexception: 504,
  modelnotreadyexception: 503,
  serviceunavailableexception: 503,
  modelerrorexception: 502,
  modelstreamerrorexception: 502,
  internalserverexception: 502,
};

/** An exception sent inside an event stream (or named by x-amzn-errortype) → a GatewayError. */
export function bedrockException(type: string, message: string | undefined): GatewayError {
  // x-amzn-errortype may carry a suffix: "ValidationException:http://internal.amazon.com/coral/…".
  const name = type.split(":")[0]!.trim();
  const status = EXCEPTION_STATUS[name.toLowerCase()] ?? 502;
  const text = `Provider "aws-bedrock" reported ${name}: ${scrub(message ?? "no message")}`;
  if (status === 429) return new GatewayError(429, text, "rate_limit_error", "upstream_rate_limited", null, { "retry-after": "1" });
  if (status === 400) return new GatewayError(400, text, "invalid_request_error", "upstream_error");
  if (status === 403) return new GatewayError(403, text, "permission_error", "upstream_error");
  if (status === 404) return new GatewayError(404, text, "invalid_request_error", "upstream_error");
  return upstreamError(status, text, "upstream_stream_error");
}
