import { NOTEWORTHY, type OpenAIStreamTranslator } from "./openai-stream.js";
import type { SSEDecoder, SSEEvent } from "./sse.js";

/** One upstream read: its leading events as the upstream's bytes, the rest decoded. */
export interface RelayedRead {
  /** The upstream's own bytes for the leading events the gateway sends on unchanged (may be empty). */
  verbatim: Uint8Array;
  /** The events after them, for the translator: the usage chunk, an error, [DONE], anything unusual. */
  rest: SSEEvent[];
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const DATA = "data: ";
const LF = 10;

/**
 * An OpenAI-compatible upstream's SSE on its way to an OpenAI client. A plain delta goes out as
 * the very text it came in (`data: {…}\n\n`), so a read made only of such events can go on as the
 * upstream's bytes: no split into events, no event objects, no concatenation, and above all no
 * re-encoding of the text when it is written (about a seventh of the gateway's instructions on a
 * streamed call, docs/performance.md). The read is still decoded once, to find the events the
 * translator must see (the usage chunk, errors, [DONE]) and the finish reason.
 *
 * Only a read in the plain shape takes this path: whole `data: ` lines each followed by a blank
 * line, ending at an event's end, with the decoder holding nothing. Anything else (a CR, a
 * comment, an `event:` field, an event cut across reads, the stream's first read, bytes that are
 * not UTF-8) goes through the SSE decoder as before, so every framing the decoder accepts is
 * still accepted and the client gets the same text.
 */
export class OpenAISSERelay {
  constructor(
    private readonly decoder: SSEDecoder,
    private readonly translator: OpenAIStreamTranslator,
  ) {}

  /** The read split, or undefined when it is not in the plain shape (the decoder takes it). */
  split(bytes: Uint8Array): RelayedRead | undefined {
    const n = bytes.length;
    if (n < 2 || bytes[n - 1] !== LF || bytes[n - 2] !== LF || !this.decoder.idle) return undefined;
    const text = utf8.decode(bytes);
    // A CR is a line end the loop below does not know; U+FFFD may stand for bytes that are not UTF-8, which must not go on raw.
    if (text.indexOf("\r") !== -1 || text.indexOf("\uFFFD") !== -1) return undefined;
    // Each event: "data: " + one line + a blank line. `ends[i]` is where event i's payload ends.
    const ends: number[] = [];
    for (let at = 0; at < text.length; ) {
      if (!text.startsWith(DATA, at)) return undefined;
      const end = text.indexOf("\n", at + DATA.length);
      if (text.charCodeAt(end + 1) !== LF) return undefined;
      ends.push(end);
      at = end + 2;
    }
    const noteworthy = text.search(NOTEWORTHY);
    const before = noteworthy === -1 ? text.length : noteworthy;
    let plain = 0;
    let start = DATA.length;
    for (; plain < ends.length; plain++) {
      const end = ends[plain]!;
      // A plain delta is a JSON object (what the translator checks of one) and says nothing the gateway reads.
      if (end > before || text.charCodeAt(start) !== 123 /* { */ || text.charCodeAt(end - 1) !== 125 /* } */) break;
      start = end + 2 + DATA.length;
    }
    const cut = plain === 0 ? 0 : ends[plain - 1]! + 2;
    if (plain > 0 && !this.translator.sawFinish) this.translator.noteFinish(plain === ends.length ? text : text.slice(0, cut));
    const rest: SSEEvent[] = [];
    for (let i = plain, from = cut; i < ends.length; from = ends[i]! + 2, i++) rest.push({ data: text.slice(from + DATA.length, ends[i]) });
    return { verbatim: plain === ends.length ? bytes : bytes.subarray(0, byteOffset(bytes, text, cut, plain)), rest };
  }
}

/** Where the text's first `events` events end in the bytes: at the same place when the text is ASCII; else after 2 × events line feeds. */
function byteOffset(bytes: Uint8Array, text: string, cut: number, events: number): number {
  if (text.length === bytes.length) return cut;
  let at = 0;
  for (let lf = 0; lf < 2 * events; lf++) at = bytes.indexOf(LF, at) + 1;
  return at;
}
