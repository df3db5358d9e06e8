import { type GatewayError, upstreamError } from "../../errors.js";
import type { ChatChunk, ChunkToolCallDelta, Usage } from "../../types.js";
import { encodeSSE } from "../sse.js";
import { anthropicErrorBody } from "./errors.js";
import { messageId, stopReason } from "./mappings.js";
import { toAnthropicUsage } from "./usage.js";

type Open = { index: number; kind: "text" | "thinking" } | { index: number; kind: "tool"; tool: number };

interface ToolState {
  id?: string;
  name?: string;
  /** Arguments that came before the name, held until the block can start. */
  pending: string;
  block?: number;
}

const event = (type: string, data: object) => encodeSSE(JSON.stringify(data), type);

/**
 * OpenAI chat chunks → Anthropic Messages SSE, one chunk at a time: message_start, then each
 * content block (text, thinking, or one tool_use per OpenAI tool call index) opened, filled and
 * closed in turn with indexes 0, 1, 2…, then message_delta (stop_reason, usage) and message_stop.
 * Anthropic's blocks never overlap, so a new kind of delta closes the open block. The usage
 * chunk comes after finish_reason when the gateway asks for include_usage, and some upstreams send
 * usage earlier or on every chunk: message_delta therefore waits for end(), and carries the last
 * usage seen.
 */
export class ChatToMessagesStream {
  private id: string | undefined;
  private started = false;
  private done = false;
  private open: Open | undefined;
  private nextIndex = 0;
  private readonly tools = new Map<number, ToolState>();
  private finish: string | null = null;
  private finishChoice: Record<string, unknown> | undefined;
  private refused = false;
  private usage: Usage | undefined;

  /** `inputTokens`, when the caller has an estimate, goes in message_start's usage (the real count follows in message_delta). */
  constructor(
    private readonly model: string,
    messageId?: string,
    private readonly inputTokens = 0,
  ) {
    this.id = messageId;
  }

  push(chunk: ChatChunk): string {
    if (this.done) return "";
    let out = this.start(chunk.id);
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (choice && !this.finish) {
      const d = choice.delta ?? {};
      const reasoning = typeof d.reasoning_content === "string" ? d.reasoning_content : typeof d.reasoning === "string" ? d.reasoning : "";
      if (reasoning) out += this.delta("thinking", reasoning);
      if (typeof d.content === "string" && d.content) out += this.delta("text", d.content);
      if (typeof d.refusal === "string" && d.refusal) {
        this.refused = true;
        out += this.delta("text", d.refusal);
      }
      for (const call of d.tool_calls ?? []) out += this.toolDelta(call);
      if (choice.finish_reason) {
        this.finish = choice.finish_reason;
        this.finishChoice = choice;
        out += this.closeBlocks();
      }
    }
    if (chunk.usage) this.usage = chunk.usage;
    return out;
  }

  /** Closes what is open and ends the message; an upstream that never sent finish_reason ends as end_turn (or tool_use). */
  end(): string {
    if (this.done) return "";
    let out = this.start(undefined) + this.closeBlocks();
    const stop = this.refused ? { stop_reason: "refusal", stop_sequence: null } : stopReason(this.finish, this.tools.size > 0, this.finishChoice);
    const u = this.usage ? toAnthropicUsage(this.usage) : undefined;
    out += event("message_delta", { type: "message_delta", delta: stop, usage: u ? { ...u } : { output_tokens: 0 } });
    out += event("message_stop", { type: "message_stop" });
    this.done = true;
    return out;
  }

  /** A failure after the stream began: Anthropic's `event: error`, and nothing after it. */
  error(err: GatewayError): string {
    if (this.done) return "";
    this.done = true;
    return event("error", anthropicErrorBody(err));
  }

  private start(chunkId: string | undefined): string {
    if (this.started) return "";
    this.started = true;
    this.id ??= messageId(chunkId);
    const usage = { input_tokens: this.inputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const message = { id: this.id, type: "message", role: "assistant", model: this.model, content: [], stop_reason: null, stop_sequence: null, usage };
    return event("message_start", { type: "message_start", message });
  }

  private delta(kind: "text" | "thinking", text: string): string {
    let out = "";
    if (this.open?.kind !== kind) {
      out += this.closeOpen();
      out += this.startBlock({ index: this.nextIndex, kind }, kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" });
    }
    const delta = kind === "text" ? { type: "text_delta", text } : { type: "thinking_delta", thinking: text };
    return out + event("content_block_delta", { type: "content_block_delta", index: this.open!.index, delta });
  }

  /** A tool call's block starts once its name is known; arguments that came earlier go out right after the start. */
  private toolDelta(call: ChunkToolCallDelta): string {
    const index = typeof call.index === "number" ? call.index : 0;
    let tool = this.tools.get(index);
    if (!tool) this.tools.set(index, (tool = { pending: "" }));
    if (call.id && !tool.id) tool.id = call.id;
    const args = call.function?.arguments ?? "";
    if (tool.block === undefined) {
      if (call.function?.name) tool.name = call.function.name;
      tool.pending += args;
      return tool.name ? this.startTool(index, tool) : "";
    }
    if (!args) return "";
    if (this.open?.kind !== "tool" || this.open.tool !== index) {
      throw upstreamError(
        502,
        "The upstream sent more arguments for a tool call after starting another block; Anthropic's stream format sends one block at a time, so this answer can't be relayed. Retry, or ask without streaming.",
        "upstream_interleaved_tool_calls",
      );
    }
    return event("content_block_delta", { type: "content_block_delta", index: tool.block, delta: { type: "input_json_delta", partial_json: args } });
  }

  private startTool(index: number, tool: ToolState): string {
    let out = this.closeOpen();
    tool.block = this.nextIndex;
    const id = tool.id ?? `toolu_${this.id!.slice(4)}_${index}`;
    out += this.startBlock({ index: tool.block, kind: "tool", tool: index }, { type: "tool_use", id, name: tool.name ?? "", input: {} });
    if (tool.pending) {
      out += event("content_block_delta", { type: "content_block_delta", index: tool.block, delta: { type: "input_json_delta", partial_json: tool.pending } });
      tool.pending = "";
    }
    return out;
  }

  private startBlock(open: Open, block: object): string {
    this.open = open;
    this.nextIndex++;
    return event("content_block_start", { type: "content_block_start", index: open.index, content_block: block });
  }

  private closeOpen(): string {
    if (!this.open) return "";
    const index = this.open.index;
    this.open = undefined;
    return event("content_block_stop", { type: "content_block_stop", index });
  }

  /** Closes the open block, and gives a block to any tool call whose name never came, so its arguments aren't lost. */
  private closeBlocks(): string {
    let out = this.closeOpen();
    for (const [index, tool] of this.tools) {
      if (tool.block !== undefined) continue;
      out += this.startTool(index, tool) + this.closeOpen();
    }
    return out;
  }
}
