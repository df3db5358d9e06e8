import { upstreamError } from "../errors.js";
import type { StreamPart, StreamTranslator } from "../providers/types.js";
import type { ChatChunk } from "../types.js";
import type { SSEEvent } from "./sse.js";
import { parseStreamJson } from "./stream-json.js";

/** A chunk that may carry an error or the usage: parsed. Any other goes on as a plain delta. */
export const NOTEWORTHY = /"(?:error"\s*:|usage"\s*:\s*\{)/;
/** A finish reason that is not null: the answer is complete. (In a JSON string a quote is escaped, so only a key matches.) */
const FINISHED = /"finish_reason"\s*:\s*"/;

/** A plain delta, passed on as `raw`: its `chunk` is parsed only if something reads it (a guardrail). */
class PlainPart implements StreamPart {
  readonly plain = true;
  constructor(readonly raw: string) {}
  get chunk(): ChatChunk {
    return parseStreamJson(this.raw, "The upstream");
  }
}

/**
 * A plain delta goes on unparsed, so only its ends are checked: an event that is not a JSON object
 * (an HTML page, a proxy's text) ends the stream with an error rather than reaching the client.
 */
function plainPart(raw: string): StreamPart {
  const last = raw.length - 1;
  if (raw.charCodeAt(0) !== 123 /* { */ || raw.charCodeAt(last) !== 125 /* } */) parseStreamJson(raw.trim(), "The upstream");
  return new PlainPart(raw);
}

/**
 * OpenAI-shaped SSE from an OpenAI-compatible upstream. Chunks go on verbatim; the translator
 * only notices errors sent inside the stream, the usage, the end marker, and a stream cut short.
 * Plain content deltas — nearly every chunk — are not even parsed.
 */
export class OpenAIStreamTranslator implements StreamTranslator<SSEEvent> {
  sawDone = false;
  /** A chunk with a finish reason went by: the answer is complete even without [DONE]. */
  sawFinish = false;

  push(ev: SSEEvent): StreamPart[] {
    const data = ev.data;
    if (data === "[DONE]") {
      this.sawDone = true;
      return [];
    }
    if (ev.event !== "error" && !NOTEWORTHY.test(data)) {
      if (!this.sawFinish) this.noteFinish(data);
      return [plainPart(data)];
    }
    const chunk: ChatChunk & { error?: { message?: string; code?: unknown } } = parseStreamJson(data, "The upstream");
    if (chunk.error || ev.event === "error") {
      const message = chunk.error?.message ?? "The upstream reported an error inside the stream.";
      throw upstreamError(502, message, "upstream_stream_error");
    }
    if (!this.sawFinish && chunk.choices?.some((c) => c.finish_reason)) this.sawFinish = true;
    return [{ chunk, raw: data }];
  }

  /** Plain chunks' text (one or several) that goes on without `push`: notes a finish reason in it. */
  noteFinish(text: string) {
    if (FINISHED.test(text)) this.sawFinish = true;
  }

  end(): StreamPart[] {
    if (!this.sawDone && !this.sawFinish) throw upstreamError(502, "The upstream stream ended before the answer was complete.", "upstream_truncated");
    return [];
  }
}

export const openAIStreamTranslator = (): StreamTranslator<SSEEvent> => new OpenAIStreamTranslator();
