import type { GatewayError } from "../../errors.js";
import type { ChatChunk, ChunkToolCallDelta, Usage } from "../../types.js";
import { encodeSSE } from "../sse.js";
import { endOf, functionCallItem, itemId, messageItem, reasoningItem, requestedModel, responseShell } from "./response-object.js";
import type { ItemStatus, OutputItem, ResponseContext, ResponseObject, ResponseStatus } from "./types.js";
import { responsesUsageFromChat } from "./usage.js";

/** The open reasoning or message item: chat streams one of them at a time. */
interface OpenText {
  kind: "reasoning" | "message";
  index: number;
  id: string;
  text: string;
}

interface OpenCall {
  index: number;
  id: string;
  callId: string;
  name: string;
  args: string;
}

/**
 * Chat chunks in, Responses API server-sent events out, for one response. Text and reasoning items
 * close when the next item starts; function calls stay open until the finish reason, so a
 * provider that interleaves the arguments of parallel calls loses nothing.
 */
export class ChatToResponsesStream {
  private seq = 0;
  private started = false;
  private finished = false;
  private final: ResponseObject | null = null;
  private model: string;
  private readonly output: OutputItem[] = [];
  private text: OpenText | null = null;
  private readonly calls = new Map<number, OpenCall>();
  private finishReason: string | null = null;
  private usage: Usage | null = null;

  constructor(private readonly ctx: ResponseContext) {
    this.model = requestedModel(ctx);
  }

  /** One chat chunk → the events it completes (possibly none). */
  push(chunk: ChatChunk): string {
    if (this.final) return "";
    let out = this.start(chunk.model);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
    if (!choice || this.finished) return out;
    const d = choice.delta ?? {};
    if (typeof d.reasoning_content === "string" && d.reasoning_content) out += this.textDelta("reasoning", d.reasoning_content);
    if (typeof d.content === "string" && d.content) out += this.textDelta("message", d.content);
    for (const call of d.tool_calls ?? []) out += this.callDelta(call);
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      out += this.closeAll();
    }
    return out;
  }

  /** The upstream finished: the final response.completed (or response.incomplete) event. */
  end(): string {
    if (this.final) return "";
    let out = this.start() + this.closeAll();
    const end = endOf(this.finishReason);
    const response = this.snapshot(end.status);
    response.incomplete_details = end.incomplete_details;
    this.final = response;
    out += this.event(end.status === "incomplete" ? "response.incomplete" : "response.completed", { response });
    return out;
  }

  /**
   * The answer failed after the stream began: a response.failed event whose error Codex and the
   * SDKs read ({code, message}); items still open are left incomplete.
   */
  error(err: GatewayError): string {
    if (this.final) return "";
    let out = this.start();
    const response = this.snapshot("failed");
    response.error = failure(err);
    this.final = response;
    out += this.event("response.failed", { response });
    return out;
  }

  /** The response as it stands: the final one once end() or error() ran. */
  response(): ResponseObject {
    return this.final ?? this.snapshot("in_progress");
  }

  private start(model?: string): string {
    if (this.started) return "";
    this.started = true;
    if (model) this.model = model;
    const response = responseShell(this.ctx, this.model, "in_progress");
    return this.event("response.created", { response }) + this.event("response.in_progress", { response });
  }

  private textDelta(kind: OpenText["kind"], delta: string): string {
    let out = "";
    if (this.text?.kind !== kind) out += this.closeText("completed") + this.openText(kind);
    const t = this.text!;
    t.text += delta;
    if (kind === "message") {
      out += this.event("response.output_text.delta", { item_id: t.id, output_index: t.index, content_index: 0, delta, logprobs: [] });
    } else {
      out += this.event("response.reasoning_summary_text.delta", { item_id: t.id, output_index: t.index, summary_index: 0, delta });
    }
    return out;
  }

  private openText(kind: OpenText["kind"]): string {
    const index = this.output.length;
    const id = itemId(kind === "message" ? "msg" : "rs", this.ctx, index);
    this.text = { kind, index, id, text: "" };
    if (kind === "message") {
      this.output.push(messageItem(id, "", "in_progress"));
      return (
        this.event("response.output_item.added", { output_index: index, item: { id, type: "message", status: "in_progress", content: [], role: "assistant" } }) +
        this.event("response.content_part.added", { item_id: id, output_index: index, content_index: 0, part: textPart("") })
      );
    }
    this.output.push(reasoningItem(id, ""));
    return (
      this.event("response.output_item.added", { output_index: index, item: { id, type: "reasoning", summary: [] } }) +
      this.event("response.reasoning_summary_part.added", { item_id: id, output_index: index, summary_index: 0, part: { type: "summary_text", text: "" } })
    );
  }

  private closeText(status: ItemStatus): string {
    const t = this.text;
    if (!t) return "";
    this.text = null;
    const at = { item_id: t.id, output_index: t.index };
    if (t.kind === "message") {
      const item = (this.output[t.index] = messageItem(t.id, t.text, status));
      return (
        this.event("response.output_text.done", { ...at, content_index: 0, text: t.text, logprobs: [] }) +
        this.event("response.content_part.done", { ...at, content_index: 0, part: textPart(t.text) }) +
        this.event("response.output_item.done", { output_index: t.index, item })
      );
    }
    const item = (this.output[t.index] = reasoningItem(t.id, t.text));
    return (
      this.event("response.reasoning_summary_text.done", { ...at, summary_index: 0, text: t.text }) +
      this.event("response.reasoning_summary_part.done", { ...at, summary_index: 0, part: { type: "summary_text", text: t.text } }) +
      this.event("response.output_item.done", { output_index: t.index, item })
    );
  }

  private callDelta(delta: ChunkToolCallDelta): string {
    let out = "";
    let call = this.calls.get(delta.index ?? 0);
    if (!call) {
      out += this.closeText("completed");
      const index = this.output.length;
      call = { index, id: itemId("fc", this.ctx, index), callId: delta.id || itemId("call", this.ctx, index), name: delta.function?.name ?? "", args: "" };
      this.calls.set(delta.index ?? 0, call);
      const item = this.callItem(call, "in_progress");
      this.output.push(item);
      out += this.event("response.output_item.added", { output_index: index, item });
    } else if (!call.name && delta.function?.name) {
      call.name = delta.function.name;
    }
    const args = delta.function?.arguments;
    if (args) {
      call.args += args;
      out += this.event("response.function_call_arguments.delta", { item_id: call.id, output_index: call.index, delta: args });
    }
    return out;
  }

  private callItem(call: OpenCall, status: ItemStatus) {
    return functionCallItem(call.id, call.callId, call.name, status === "in_progress" ? "" : call.args, status, this.ctx.namespaces);
  }

  /** At the finish reason: every open item is done; in an incomplete answer the last one is incomplete. */
  private closeAll(): string {
    if (this.finished) return "";
    this.finished = true;
    const last = this.output.length - 1;
    const incomplete = endOf(this.finishReason).status === "incomplete";
    const statusOf = (index: number): ItemStatus => (incomplete && index === last ? "incomplete" : "completed");
    let out = this.text ? this.closeText(statusOf(this.text.index)) : "";
    for (const call of this.calls.values()) {
      const item = (this.output[call.index] = this.callItem(call, statusOf(call.index)));
      out +=
        this.event("response.function_call_arguments.done", { item_id: call.id, output_index: call.index, name: item.name, arguments: call.args }) +
        this.event("response.output_item.done", { output_index: call.index, item });
    }
    this.calls.clear();
    return out;
  }

  /** The response object now; an item still being written shows its text so far, as incomplete. */
  private snapshot(status: ResponseStatus): ResponseObject {
    const response = responseShell(this.ctx, this.model, status);
    response.output = this.output.map((item) => ({ ...item }));
    const t = this.text;
    if (t) response.output[t.index] = t.kind === "message" ? messageItem(t.id, t.text, "incomplete") : reasoningItem(t.id, t.text);
    for (const call of this.calls.values()) response.output[call.index] = this.callItem(call, "incomplete");
    response.usage = this.usage ? responsesUsageFromChat(this.usage) : null;
    return response;
  }

  private event(type: string, payload: Record<string, unknown>): string {
    return encodeSSE(JSON.stringify({ type, sequence_number: this.seq++, ...payload }), type);
  }
}

const textPart = (text: string) => ({ type: "output_text", annotations: [], logprobs: [], text });

/** The error a failed response carries: OpenAI's codes where Codex acts on them (it retries rate limits after the wait it reads). */
function failure(err: GatewayError): { code: string; message: string } {
  if (err.status === 429) {
    const wait = Number(err.headers["retry-after"]);
    const hint = Number.isFinite(wait) && wait > 0 && !/try again in/i.test(err.message) ? ` Please try again in ${wait}s.` : "";
    return { code: "rate_limit_exceeded", message: `${err.message}${hint}` };
  }
  if (err.status >= 500) return { code: "server_error", message: err.message };
  return { code: err.code ?? "invalid_request", message: err.message };
}
