import type { SSEEvent } from "../formats/sse.js";
import type { Gateway } from "../gateway.js";
import type { CallGuard } from "./call-guard.js";
import { StreamEndCheck } from "./stream-end.js";
import { TextWindow } from "./text-window.js";

/**
 * The output rules on a native stream the gateway relays in the provider's own events (Anthropic's
 * Messages events, the Responses API's), the same way ChunkGuard does for OpenAI chunks: text and
 * argument deltas through a TextWindow each, what a window held released before its block ends,
 * the final events held while whole-answer rules run. Events it does not read pass unchanged.
 */
export abstract class EventGuard {
  private readonly windows = new Map<string, TextWindow>();
  /** Each text's released (possibly redacted) whole, for the events that repeat it at the end. */
  protected readonly released = new Map<string, string>();
  protected readonly end: StreamEndCheck;
  private held: SSEEvent[] | undefined;

  constructor(
    gw: Gateway,
    private readonly guard: CallGuard,
  ) {
    this.end = new StreamEndCheck(gw, guard);
  }

  /** One upstream event in, the events to send now out. Throws the guard's error on a block. */
  push(ev: SSEEvent): SSEEvent[] {
    if (this.held) {
      this.held.push(ev);
      return [];
    }
    if (this.end.needed && this.isFinal(ev)) {
      this.held = [ev];
      return [];
    }
    return this.event(ev);
  }

  /** The upstream ended: the whole-answer rules, then whatever was held. */
  async finish(): Promise<SSEEvent[]> {
    await this.end.run();
    return (this.held ?? []).flatMap((ev) => this.event(ev));
  }

  /** The provider's events, read and rewritten. */
  protected abstract event(ev: SSEEvent): SSEEvent[];
  /** The first event that closes the answer (held while whole-answer rules run). */
  protected abstract isFinal(ev: SSEEvent): boolean;

  /** A delta through its text's window: the text to send now. */
  protected pass(key: string, delta: string, choice: number, isArgs: boolean): string {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new TextWindow(this.guard.set.streamed.filter((r) => r.detect), this.guard.set.windowChars, this.guard)));
    return this.note(key, w.push(delta), choice, isArgs);
  }

  /** What a text's window still held (its block or item ended). */
  protected rest(key: string, choice: number, isArgs: boolean): string {
    const w = this.windows.get(key);
    if (!w) return "";
    this.windows.delete(key);
    return this.note(key, w.flush(), choice, isArgs);
  }

  /** A text as the client got it: as released when its deltas came, else checked whole now (a provider that sent no deltas for it). */
  protected whole(key: string, text: string, isArgs: boolean): string {
    const released = this.released.get(key);
    if (released !== undefined) return released;
    const head = this.pass(key, text, 0, isArgs);
    return head + this.rest(key, 0, isArgs);
  }

  private note(key: string, text: string, choice: number, isArgs: boolean): string {
    if (text) {
      this.released.set(key, (this.released.get(key) ?? "") + text);
      this.end.saw(choice, text, isArgs);
    }
    return text;
  }
}

const json = (ev: SSEEvent) => JSON.parse(ev.data) as Record<string, any>;
const eventOf = (name: string | undefined, data: unknown): SSEEvent => ({ event: name, data: JSON.stringify(data) });

/** Anthropic's Messages events (Anthropic, Claude on Bedrock): text_delta and input_json_delta per content block. */
export class MessagesEventGuard extends EventGuard {
  private readonly kinds = new Map<number, "text_delta" | "input_json_delta">();

  protected isFinal(ev: SSEEvent): boolean {
    return ev.event === "message_delta" || ev.event === "message_stop";
  }

  protected event(ev: SSEEvent): SSEEvent[] {
    if (ev.event === "content_block_delta") {
      const data = json(ev);
      const d = data.delta;
      const index = Number(data.index);
      if (d?.type === "text_delta" || d?.type === "input_json_delta") {
        const field = d.type === "text_delta" ? "text" : "partial_json";
        this.kinds.set(index, d.type);
        const text = this.pass(`${index}`, String(d[field] ?? ""), 0, d.type === "input_json_delta");
        return text ? [eventOf(ev.event, { ...data, delta: { ...d, [field]: text } })] : [];
      }
      return [ev];
    }
    if (ev.event === "content_block_stop") {
      const index = Number(json(ev).index);
      const kind = this.kinds.get(index);
      const text = kind ? this.rest(`${index}`, 0, kind === "input_json_delta") : "";
      if (!text) return [ev];
      const delta = kind === "text_delta" ? { type: kind, text } : { type: kind, partial_json: text };
      return [eventOf("content_block_delta", { type: "content_block_delta", index, delta }), ev];
    }
    return [ev];
  }
}

/** The Responses API's events: output text and function-call arguments, and the events that repeat them whole. */
export class ResponsesEventGuard extends EventGuard {
  /** The final response as the client got it (in response.completed), its texts as released. */
  completed: Record<string, unknown> | undefined;

  protected isFinal(ev: SSEEvent): boolean {
    return ev.event === "response.completed" || ev.event === "response.incomplete";
  }

  protected event(ev: SSEEvent): SSEEvent[] {
    const name = ev.event;
    if (!name?.startsWith("response.")) return [ev];
    switch (name) {
      case "response.output_text.delta": {
        const data = json(ev);
        const text = this.pass(textKey(data.output_index, data.content_index), String(data.delta ?? ""), 0, false);
        return text ? [eventOf(name, { ...data, delta: text })] : [];
      }
      case "response.function_call_arguments.delta": {
        const data = json(ev);
        const text = this.pass(argsKey(data.output_index), String(data.delta ?? ""), 0, true);
        return text ? [eventOf(name, { ...data, delta: text })] : [];
      }
      case "response.output_text.done": {
        const data = json(ev);
        const key = textKey(data.output_index, data.content_index);
        const rest = this.rest(key, 0, false);
        const done = eventOf(name, { ...data, text: this.whole(key, String(data.text ?? ""), false) });
        return rest ? [eventOf("response.output_text.delta", { ...data, type: "response.output_text.delta", text: undefined, delta: rest }), done] : [done];
      }
      case "response.function_call_arguments.done": {
        const data = json(ev);
        const key = argsKey(data.output_index);
        const rest = this.rest(key, 0, true);
        const done = eventOf(name, { ...data, arguments: this.whole(key, String(data.arguments ?? ""), true) });
        return rest ? [eventOf("response.function_call_arguments.delta", { ...data, type: "response.function_call_arguments.delta", arguments: undefined, delta: rest }), done] : [done];
      }
      case "response.content_part.done": {
        const data = json(ev);
        if (data.part?.type !== "output_text") return [ev];
        return [eventOf(name, { ...data, part: { ...data.part, text: this.whole(textKey(data.output_index, data.content_index), String(data.part.text ?? ""), false) } })];
      }
      case "response.output_item.done": {
        const data = json(ev);
        return [eventOf(name, { ...data, item: this.item(data.item, data.output_index) })];
      }
      case "response.completed":
      case "response.incomplete": {
        const data = json(ev);
        const output = Array.isArray(data.response?.output) ? data.response.output.map((item: unknown, i: number) => this.item(item, i)) : data.response?.output;
        this.completed = { ...data.response, output };
        return [eventOf(name, { ...data, response: this.completed })];
      }
      default:
        return [ev];
    }
  }

  /** An output item with its texts as released. */
  private item(item: any, outputIndex: number): unknown {
    if (item?.type === "message" && Array.isArray(item.content)) {
      const content = item.content.map((part: any, i: number) => (part?.type === "output_text" ? { ...part, text: this.whole(textKey(outputIndex, i), String(part.text ?? ""), false) } : part));
      return { ...item, content };
    }
    if (item?.type === "function_call") return { ...item, arguments: this.whole(argsKey(outputIndex), String(item.arguments ?? ""), true) };
    return item;
  }
}

const textKey = (output: unknown, content: unknown) => `t${Number(output)}.${Number(content)}`;
const argsKey = (output: unknown) => `a${Number(output)}`;
