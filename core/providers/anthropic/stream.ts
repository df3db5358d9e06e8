import { GatewayError, upstreamError } from "../../errors.js";
import type { SSEEvent } from "../../formats/sse.js";
import { parseStreamJson } from "../../formats/stream-json.js";
import type { ChatChunk, Usage } from "../../types.js";
import type { CallContext, StreamPart, StreamTranslator } from "../types.js";
import { JSON_TOOL, finishReason } from "./mappings.js";
import { anthropicUsage } from "../../usage/normalize.js";
import type { AnthropicUsage } from "./response.js";

type Delta = ChatChunk["choices"][number]["delta"];
/** What one Anthropic content block turns into: text, reasoning, an OpenAI tool call (its own index), or JSON answer text. */
type BlockKind = { kind: "text" } | { kind: "thinking" } | { kind: "tool"; index: number } | { kind: "json" } | { kind: "other" };

/** Streaming errors Anthropic sends as `event: error`, by error.type → the status a client would have seen. */
const STREAM_ERROR_STATUS: Record<string, number> = { overloaded_error: 502, api_error: 502, rate_limit_error: 429, invalid_request_error: 400 };

/**
 * Anthropic Messages SSE → OpenAI chunks. Tool calls are numbered 0,1,2… in order of appearance,
 * not by Anthropic's content block index (which counts text and thinking blocks too).
 */
export function anthropicStreamTranslator(ctx: Pick<CallContext, "model">): StreamTranslator<SSEEvent> {
  const created = Math.floor(Date.now() / 1000);
  let id = "msg";
  let model = ctx.model;
  const blocks = new Map<number, BlockKind>();
  let tools = 0;
  let usage: AnthropicUsage = {};
  let stopReason: string | null = null;
  let jsonAnswer = false;
  let started = false;
  let finished = false;
  let stopped = false;

  const chunk = (delta: Delta, finish: string | null = null): StreamPart => ({
    chunk: { id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] },
  });
  const start = (): StreamPart[] => {
    if (started) return [];
    started = true;
    return [chunk({ role: "assistant", content: "" })];
  };

  return {
    push(ev) {
      const data = parseStreamJson(ev.data, "Anthropic");
      const type = data?.type ?? ev.event;
      switch (type) {
        case "message_start": {
          const m = data.message ?? {};
          if (m.id) id = m.id;
          if (m.model) model = m.model;
          usage = { ...m.usage };
          return start();
        }
        case "content_block_start": {
          const b = data.content_block ?? {};
          const out = start();
          if (b.type === "text") {
            blocks.set(data.index, { kind: "text" });
            if (b.text) out.push(chunk({ content: b.text }));
          } else if (b.type === "thinking") {
            blocks.set(data.index, { kind: "thinking" });
            if (b.thinking) out.push(chunk({ reasoning_content: b.thinking }));
          } else if (b.type === "tool_use" && b.name === JSON_TOOL) {
            blocks.set(data.index, { kind: "json" });
            jsonAnswer = true;
          } else if (b.type === "tool_use") {
            const index = tools++;
            blocks.set(data.index, { kind: "tool", index });
            out.push(chunk({ tool_calls: [{ index, id: b.id, type: "function", function: { name: b.name, arguments: "" } }] }));
          } else {
            blocks.set(data.index, { kind: "other" });
          }
          return out;
        }
        case "content_block_delta": {
          const block = blocks.get(data.index);
          const d = data.delta ?? {};
          if (!block) return [];
          if (d.type === "text_delta" && block.kind === "text" && d.text) return [chunk({ content: d.text })];
          if (d.type === "thinking_delta" && block.kind === "thinking" && d.thinking) return [chunk({ reasoning_content: d.thinking })];
          if (d.type === "input_json_delta" && d.partial_json) {
            if (block.kind === "tool") return [chunk({ tool_calls: [{ index: block.index, function: { arguments: d.partial_json } }] })];
            if (block.kind === "json") return [chunk({ content: d.partial_json })];
          }
          return [];
        }
        case "message_delta": {
          if (data.delta?.stop_reason) stopReason = data.delta.stop_reason;
          // message_delta's usage is cumulative; newer API versions repeat the input counts there too.
          for (const [k, v] of Object.entries(data.usage ?? {})) if (typeof v === "number") (usage as Record<string, number>)[k] = v;
          if (finished || !stopReason) return [];
          finished = true;
          return [...start(), chunk({}, jsonAnswer && stopReason === "tool_use" ? "stop" : finishReason(stopReason))];
        }
        case "message_stop": {
          stopped = true;
          const out = start();
          if (!finished) {
            finished = true;
            out.push(chunk({}, finishReason(stopReason)));
          }
          out.push(usageChunk(id, created, model, anthropicUsage(usage as Record<string, unknown>)));
          return out;
        }
        case "error":
          throw streamError(data.error);
        default:
          // ping, content_block_stop, and event types added later.
          return [];
      }
    },
    end() {
      if (!stopped) throw upstreamError(502, "The Anthropic stream ended before message_stop: the answer is incomplete.", "upstream_truncated");
      return [];
    },
  };
}

function usageChunk(id: string, created: number, model: string, usage: Usage): StreamPart {
  return { chunk: { id, object: "chat.completion.chunk", created, model, choices: [], usage } };
}

function streamError(error: { type?: string; message?: string } | undefined): GatewayError {
  const type = error?.type ?? "api_error";
  const status = STREAM_ERROR_STATUS[type] ?? 502;
  const message = `Anthropic reported an error mid-stream: ${error?.message ?? "unknown error"} (${type})`;
  if (status === 429) return new GatewayError(429, message, "rate_limit_error", type);
  if (status === 400) return new GatewayError(400, message, "invalid_request_error", type);
  return upstreamError(status, message, type);
}
