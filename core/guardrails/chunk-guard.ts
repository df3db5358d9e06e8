import type { Gateway } from "../gateway.js";
import type { StreamPart } from "../providers/types.js";
import type { ChatChunk, ChunkToolCallDelta } from "../types.js";
import type { CallGuard } from "./call-guard.js";
import { StreamEndCheck } from "./stream-end.js";
import { TextWindow } from "./text-window.js";

type Choice = ChatChunk["choices"][number] & { text?: string };

const CONTENT_KEY = '"content":"';
/** A single choice whose delta holds only content: `"choices":[{"index":N,"delta":{"content":"` (the literal's end is found after). */
/** The index of the quote that ends the JSON string literal whose text starts at `from`; -1 if none. */
function stringEnd(raw: string, from: number): number {
  for (let i = from; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 92) i++; // a backslash: the next character is escaped
    else if (c === 34) return i;
  }
  return -1;
}

const CONTENT_ONLY = /"choices":\[\{"index":(\d+),"delta":\{"content":"/;

/** A legacy completions choice: its text in `text`, no delta. */
const legacy = (choice: Choice) => choice.delta === undefined && typeof choice.text === "string";
const hasText = (choice: Choice) => (legacy(choice) ? !!choice.text : Object.keys(choice.delta).length > 0);

/**
 * The output rules on a stream of OpenAI chunks (legacy completions' too) — whatever the
 * client's API, since every translated stream passes through them: each choice's content and each tool call's arguments
 * run through a TextWindow (held back by at most the window, rewritten where a rule redacts); a
 * choice's finish releases what its windows held, just before it. Rules that need the whole
 * answer (json_schema, external checks) run at the end, with the finish held back until then.
 */
export class ChunkGuard {
  private readonly windows = new Map<string, TextWindow>();
  private readonly end: StreamEndCheck;
  /** Parts from the first finish on, held while whole-answer rules are still to run. */
  private held: StreamPart[] | undefined;
  /** The last chunk seen: its id and model for the chunks the guard adds. */
  private like: ChatChunk | undefined;
  /** Choices of legacy completions (`text`, no `delta`). */
  private readonly legacy = new Set<number>();

  constructor(
    gw: Gateway,
    private readonly guard: CallGuard,
  ) {
    this.end = new StreamEndCheck(gw, guard);
  }

  /** Parts in, parts out: held text taken out, released text put in. Throws the guard's error on a block. */
  push(parts: StreamPart[]): StreamPart[] {
    if (this.held) {
      this.held.push(...parts);
      return [];
    }
    const out: StreamPart[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.plain) {
        const fast = this.plainContent(part.raw!);
        if (fast !== undefined) {
          if (fast) out.push(fast);
          continue;
        }
      }
      const chunk = part.chunk;
      if (!chunk.choices?.length) {
        out.push(part);
        continue;
      }
      this.like = chunk;
      const choices: Choice[] = [];
      let finished = false;
      for (const choice of chunk.choices) {
        const guarded = this.choice(choice);
        if (!choice.finish_reason) {
          if (guarded) choices.push(guarded);
          continue;
        }
        // The finish goes last: this delta's released text, then what the windows still held, then the finish itself.
        finished = true;
        if (guarded && hasText(guarded)) out.push({ chunk: { ...chunk, choices: [{ ...guarded, finish_reason: null }], usage: undefined } });
        const rest = this.flushChoice(chunk, choice.index);
        if (rest) out.push(rest);
        choices.push(legacy(choice) ? { ...choice, text: "" } : { ...choice, delta: {} });
      }
      if (choices.length || chunk.usage) out.push({ chunk: { ...chunk, choices } });
      if (finished && this.end.needed) {
        this.held = parts.slice(i + 1);
        const last = out.pop()!;
        this.held.unshift(last);
        return out;
      }
    }
    return out;
  }

  /**
   * The common chunk — one choice whose delta is only a content string, as OpenAI and most
   * compatible upstreams send nearly every chunk — guarded without parsing or re-serialising it:
   * the content is read from its string literal and the released text spliced back in. Undefined
   * for any other chunk (the general path parses it); null when nothing of it is to be sent yet.
   */
  private plainContent(raw: string): StreamPart | null | undefined {
    const m = CONTENT_ONLY.exec(raw);
    if (!m || raw.indexOf(CONTENT_KEY, m.index + m[0].length) !== -1) return undefined;
    const index = Number(m[1]);
    const start = m.index + m[0].length;
    const end = stringEnd(raw, start);
    if (end < 0 || raw.charCodeAt(end + 1) !== 125 /* } */) return undefined; // the delta holds more than content
    const text = JSON.parse(raw.slice(start - 1, end + 1)) as string;
    if (!text) return undefined;
    const released = this.window(`${index}`).push(text);
    this.end.saw(index, released, false);
    if (!released) return null;
    const spliced = `${raw.slice(0, start)}${JSON.stringify(released).slice(1, -1)}${raw.slice(end)}`;
    return { raw: spliced, plain: true, get chunk() { return JSON.parse(spliced); } };
  }

  /** The upstream ended: what is still held, after the whole-answer rules passed. */
  async finish(): Promise<StreamPart[]> {
    const out: StreamPart[] = [];
    for (const key of [...this.windows.keys()]) {
      const rest = this.flushKey(key);
      if (rest) out.push(rest);
    }
    await this.end.run();
    return [...out, ...(this.held ?? [])];
  }

  /** A choice's delta with its texts through their windows; undefined when nothing of it is left to send. */
  private choice(choice: Choice): Choice | undefined {
    if (legacy(choice)) {
      this.legacy.add(choice.index);
      const text = choice.text ? this.window(`${choice.index}`).push(choice.text) : "";
      this.end.saw(choice.index, text, false);
      return text || choice.finish_reason ? { ...choice, text } : undefined;
    }
    const delta = choice.delta;
    if (!delta) return choice;
    const out: Choice["delta"] = { ...delta };
    if (typeof delta.content === "string" && delta.content) {
      const text = this.window(`${choice.index}`).push(delta.content);
      this.end.saw(choice.index, text, false);
      if (text) out.content = text;
      else delete out.content;
    }
    if (delta.tool_calls?.length) {
      const calls: ChunkToolCallDelta[] = [];
      for (const call of delta.tool_calls) {
        const args = call.function?.arguments;
        if (typeof args !== "string" || !args) {
          calls.push(call);
          continue;
        }
        const text = this.window(`${choice.index}.${call.index}`).push(args);
        this.end.saw(choice.index, text, true);
        const { arguments: _, ...fn } = call.function!;
        if (text) calls.push({ ...call, function: { ...fn, arguments: text } });
        else if (call.id || fn.name) calls.push({ ...call, function: fn });
      }
      if (calls.length) out.tool_calls = calls;
      else delete out.tool_calls;
    }
    const empty = Object.keys(out).every((k) => out[k] === undefined || (k === "content" && out.content === null));
    return empty && !choice.finish_reason ? undefined : { ...choice, delta: out };
  }

  /** What a choice's windows still hold, as one chunk to send before its finish. */
  private flushChoice(like: ChatChunk, index: number): StreamPart | undefined {
    const prefix = `${index}.`;
    let content = "";
    const calls: ChunkToolCallDelta[] = [];
    for (const [key, w] of this.windows) {
      if (key !== `${index}` && !key.startsWith(prefix)) continue;
      const text = w.flush();
      this.windows.delete(key);
      if (!text) continue;
      if (key === `${index}`) content = text;
      else calls.push({ index: Number(key.slice(prefix.length)), function: { arguments: text } });
      this.end.saw(index, text, key !== `${index}`);
    }
    if (!content && !calls.length) return undefined;
    if (this.legacy.has(index)) return { chunk: { ...like, choices: [{ index, text: content, finish_reason: null } as unknown as Choice], usage: undefined } };
    const delta: Choice["delta"] = {};
    if (content) delta.content = content;
    if (calls.length) delta.tool_calls = calls;
    return { chunk: { id: like.id, object: like.object, created: like.created, model: like.model, choices: [{ index, delta, finish_reason: null }] } };
  }

  private flushKey(key: string): StreamPart | undefined {
    const dot = key.indexOf(".");
    const index = Number(dot < 0 ? key : key.slice(0, dot));
    return this.flushChoice(this.like ?? { id: "", object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: "", choices: [] }, index);
  }

  private window(key: string): TextWindow {
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new TextWindow(this.guard.set.streamed.filter((r) => r.detect), this.guard.set.windowChars, this.guard)));
    return w;
  }
}
