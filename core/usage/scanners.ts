import { EventStreamDecoder, type EventStreamMessage } from "../formats/eventstream.js";
import { SSEDecoder } from "../formats/sse.js";
import { Utf8Stream } from "../formats/utf8-stream.js";
import type { Usage } from "../types.js";
import { findRawUsage, normalizeUsage, usageOf } from "./normalize.js";

type Raw = Record<string, unknown>;

/**
 * Watches an SSE answer go by, one upstream read at a time, and keeps the usage it reports.
 * Usage fields from later events override earlier ones (Anthropic sends input tokens in
 * message_start and the output count in message_delta; Gemini repeats usageMetadata).
 * Only events that mention usage are parsed, so the cost per event is a substring search.
 */
export class SSEUsageScanner {
  private readonly decoder = new SSEDecoder();
  private readonly merged: Raw = {};
  private seen = false;
  /** The stream carried an error event (Anthropic's `event: error`, an `{"error": …}` data line). */
  failed = false;

  push(bytes: Uint8Array) {
    for (const ev of this.decoder.push(bytes)) this.take(ev.data, ev.event);
  }

  end(): Usage | undefined {
    for (const ev of this.decoder.flush()) this.take(ev.data, ev.event);
    return this.seen ? normalizeUsage(this.merged) : undefined;
  }

  private take(data: string, event: string | undefined) {
    if (event === "error" || data.startsWith('{"error"') || data.startsWith('{"type":"error"')) this.failed = true;
    if (!data.includes('"usage')) return; // "usage" or "usageMetadata"
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const raw = findRawUsage(json);
    if (!raw) return;
    for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined) this.merged[k] = v;
    this.seen = true;
  }
}

/**
 * The same for an AWS event stream. ConverseStream reports usage in the `metadata` event after
 * messageStop; InvokeModelWithResponseStream in its last `chunk` event, whose base64 payload holds
 * `amazon-bedrock-invocationMetrics` (only the last chunk is decoded, at the end). A frame the
 * decoder can't read stops the watching, never the answer.
 */
export class EventStreamUsageScanner {
  private readonly decoder = new EventStreamDecoder();
  private readonly text = new TextDecoder();
  private usage: Usage | undefined;
  private lastChunk: Uint8Array | undefined;
  private broken = false;
  /** The stream carried an exception message. */
  failed = false;

  push(bytes: Uint8Array) {
    if (this.broken) return;
    try {
      for (const message of this.decoder.push(bytes)) this.take(message);
    } catch {
      this.broken = true;
    }
  }

  end(): Usage | undefined {
    if (this.usage || !this.lastChunk) return this.usage;
    try {
      const payload = JSON.parse(this.text.decode(this.lastChunk));
      if (typeof payload?.bytes === "string") return usageOf(JSON.parse(atob(payload.bytes)));
    } catch {
      // not the shape we know: no usage
    }
    return undefined;
  }

  private take(message: EventStreamMessage) {
    if (message.headers[":message-type"] === "exception") this.failed = true;
    const type = message.headers[":event-type"];
    if (type === "chunk") this.lastChunk = message.body;
    if (type !== "metadata") return;
    try {
      this.usage = usageOf(JSON.parse(this.text.decode(message.body))) ?? this.usage;
    } catch {
      // not JSON: no usage
    }
  }
}

/**
 * The same for a JSON array sent bit by bit (Gemini's streamGenerateContent without alt=sse):
 * every element repeats usageMetadata, so only the text from its last mention is kept, and the
 * object after it is read at the end.
 */
export class JsonArrayUsageScanner {
  private readonly text = new Utf8Stream();
  private tail = "";

  push(bytes: Uint8Array) {
    this.tail += this.text.decode(bytes);
    const at = this.tail.lastIndexOf('"usageMetadata"');
    // Keep a little before the mark (it may arrive split) and nothing older than the last one.
    if (at > 0) this.tail = this.tail.slice(at);
    else if (at < 0 && this.tail.length > 64) this.tail = this.tail.slice(-64);
  }

  end(): Usage | undefined {
    this.tail += this.text.end();
    const at = this.tail.lastIndexOf('"usageMetadata"');
    if (at < 0) return undefined;
    const open = this.tail.indexOf("{", at);
    if (open < 0) return undefined;
    let depth = 0;
    for (let i = open; i < this.tail.length; i++) {
      const c = this.tail[i];
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        try {
          return normalizeUsage(JSON.parse(this.tail.slice(open, i + 1)));
        } catch {
          return undefined;
        }
      }
    }
    return undefined;
  }
}
