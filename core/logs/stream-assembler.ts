import { concatBytes } from "../formats/bytes.js";
import { EventStreamDecoder, type EventStreamMessage } from "../formats/eventstream.js";
import type { FrameDecoder } from "../formats/framing.js";
import { JsonArrayDecoder } from "../formats/json-array.js";
import { SSEDecoder } from "../formats/sse.js";
import { AssembledAnswer } from "./assembled-answer.js";
import { capBody } from "./body.js";
import { geminiReader, type JsonEventReader, readAnthropic, readBedrock, readChat, readCompletions, readResponses } from "./stream-readers.js";

/** The wire formats a client receives a stream in; any other name is logged as the raw text. */
export type StreamFormat = "openai-chat" | "openai-completions" | "anthropic" | "responses" | "gemini" | "bedrock" | "raw";

/**
 * Watches a streamed answer go by and keeps, for the request log, what it said: a small JSON of
 * its text, reasoning, tool calls and error (see AssembledAnswer), at most `maxBytes` of UTF-8.
 * It reads the chunks the client gets, never holds one back, and never throws.
 */
export interface StreamAssembler {
  push(chunk: Uint8Array): void;
  result(): { body: string; truncated: boolean };
}

/**
 * An event may carry more than the text it adds (the Responses API's final event repeats the
 * request's instructions and tools): an unfinished event may grow this far past the cap before
 * the assembler gives up on it rather than hold an unbounded event in memory.
 */
const EVENT_SLACK = 1024 * 1024;

export function createAssembler(format: StreamFormat | (string & {}), maxBytes: number): StreamAssembler {
  switch (format) {
    case "openai-chat":
      return new FramedAssembler(sseData(), jsonEvents(readChat), maxBytes);
    case "openai-completions":
      return new FramedAssembler(sseData(), jsonEvents(readCompletions), maxBytes);
    case "anthropic":
      return new FramedAssembler(sseData(), jsonEvents(readAnthropic), maxBytes);
    case "responses":
      return new FramedAssembler(sseData(), jsonEvents(readResponses), maxBytes);
    case "gemini":
      return new FramedAssembler(new GeminiFrames(), jsonEvents(geminiReader()), maxBytes);
    case "bedrock":
      return new FramedAssembler<EventStreamMessage>(new EventStreamDecoder(), readBedrock, maxBytes);
    default:
      return new RawText(maxBytes);
  }
}

/** Reads one event into the answer; false when the event could not be read at all. */
type EventReader<Event> = (event: Event, answer: AssembledAnswer) => boolean;

/**
 * A stream split into events by its framing, each event read into the answer once. Until an
 * event is understood the raw bytes are kept too (up to the cap), so a stream that is not the
 * format expected — an error page, plain JSON — is still logged, as it came.
 */
class FramedAssembler<Event> implements StreamAssembler {
  private readonly answer: AssembledAnswer;
  private raw: RawText | null;
  /** Bytes pushed since an event last completed. */
  private pending = 0;
  /** The framing broke or an event outgrew EVENT_SLACK: nothing after it is read. */
  private stopped = false;
  private final: { body: string; truncated: boolean } | undefined;

  constructor(
    private readonly decoder: FrameDecoder<Event>,
    private readonly read: EventReader<Event>,
    private readonly maxBytes: number,
  ) {
    this.answer = new AssembledAnswer(maxBytes);
    this.raw = new RawText(maxBytes);
  }

  push(chunk: Uint8Array) {
    if (this.final) return;
    this.raw?.push(chunk);
    if (this.stopped || this.answer.full) return;
    let events: Event[];
    try {
      events = this.decoder.push(chunk);
    } catch {
      this.stopped = true;
      return;
    }
    this.pending = events.length > 0 ? 0 : this.pending + chunk.length;
    if (this.pending > this.maxBytes + EVENT_SLACK) this.stopped = true;
    this.take(events);
  }

  result(): { body: string; truncated: boolean } {
    if (this.final) return this.final;
    if (!this.stopped && !this.answer.full) {
      try {
        this.take(this.decoder.flush());
      } catch {
        // a frame cut at the end of the stream: the answer is what came before it
      }
    }
    if (this.raw) return (this.final = this.raw.result());
    const body = this.answer.toJSON();
    // Only a cap too small for "{}" can leave the JSON over it.
    this.final = body.length > this.maxBytes ? { body: "", truncated: true } : { body, truncated: this.answer.full || this.stopped };
    return this.final;
  }

  private take(events: Event[]) {
    for (const event of events) {
      if (this.answer.full) return;
      try {
        if (this.read(event, this.answer)) this.raw = null;
      } catch {
        // a malformed event is skipped
      }
    }
  }
}

/** SSE events' data. */
function sseData(): FrameDecoder<string> {
  const decoder = new SSEDecoder();
  return { push: (bytes) => decoder.push(bytes).map((e) => e.data), flush: () => decoder.flush().map((e) => e.data) };
}

/** Each event's data parsed once as a JSON object, then read; `[DONE]` ends a Chat Completions stream and adds nothing. */
function jsonEvents(reader: JsonEventReader): EventReader<string> {
  return (data, answer) => {
    if (data === "[DONE]") return true;
    let event: unknown;
    try {
      event = JSON.parse(data);
    } catch {
      return false;
    }
    if (typeof event !== "object" || event === null || Array.isArray(event)) return false;
    reader(event as Record<string, any>, answer);
    return true;
  };
}

const BLANK = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Gemini streams SSE with alt=sse and a JSON array without it: the first byte that is not blank tells which. */
class GeminiFrames implements FrameDecoder<string> {
  private decoder: FrameDecoder<string> | undefined;

  push(bytes: Uint8Array): string[] {
    if (!this.decoder) {
      const first = bytes.findIndex((b) => !BLANK.has(b));
      if (first < 0) return [];
      this.decoder = bytes[first] === 0x5b /* [ */ ? new JsonArrayDecoder() : sseData();
      return this.decoder.push(bytes.subarray(first));
    }
    return this.decoder.push(bytes);
  }

  flush(): string[] {
    return this.decoder?.flush() ?? [];
  }
}

/** The first `maxBytes` of the stream as text, cut at a character boundary. */
class RawText implements StreamAssembler {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private over = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Uint8Array) {
    const room = this.maxBytes - this.size;
    if (chunk.length > room) this.over = true;
    if (room <= 0 || chunk.length === 0) return;
    // A copy: the stream's own chunk may be reused once it has been passed on.
    this.parts.push(chunk.slice(0, room));
    this.size += Math.min(room, chunk.length);
  }

  result(): { body: string; truncated: boolean } {
    const bytes = concatBytes(this.parts, this.size);
    // A character cut at the cap is left out (a streaming decode holds it back), not shown as U+FFFD.
    const text = new TextDecoder().decode(bytes, { stream: this.over });
    // Bytes that are not UTF-8 decode to U+FFFD, which can take more room than they did.
    const capped = capBody(text, this.maxBytes);
    return { body: capped.body, truncated: this.over || capped.truncated };
  }
}
