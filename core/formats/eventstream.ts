import type { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { upstreamError } from "../errors.js";
import type { FrameDecoder } from "./framing.js";

/** One decoded `application/vnd.amazon.eventstream` message, header values flattened. */
export interface EventStreamMessage {
  headers: Record<string, string | number | boolean | Uint8Array | Date | unknown>;
  body: Uint8Array;
}

/** Prelude (total length, headers length, prelude CRC) + message CRC. */
const OVERHEAD = 16;
/** AWS caps an event-stream message at 16 MiB; a larger length prefix means a corrupt stream. */
const MAX_MESSAGE = 16 * 1024 * 1024;

let codec: EventStreamCodec | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the codec, once: it and the @smithy modules under it (CRCs, node:crypto, node:zlib) are
 * needed only by event-stream answers (Bedrock), so they load with the first one rather than at
 * module init. Awaited before such an answer is read: by the attempt loop for an upstream answer,
 * by the log capture for any answer (a cached one too).
 */
export function loadEventStreamCodec(): Promise<void> {
  return (loading ??= import("@smithy/eventstream-codec").then(({ EventStreamCodec }) => {
    codec = new EventStreamCodec(toUtf8, fromUtf8);
  }));
}

/** Whether a content type is AWS event stream's (application/vnd.amazon.eventstream). */
export const isEventStream = (contentType: string | undefined) => /eventstream/i.test(contentType ?? "");

/**
 * AWS event-stream frames, decoded from bytes cut anywhere. The codec checks both CRCs and parses
 * the headers; this class only finds frame boundaries: each frame starts with its own length.
 * Needs loadEventStreamCodec() done.
 */
export class EventStreamDecoder implements FrameDecoder<EventStreamMessage> {
  private readonly codec: EventStreamCodec;
  private buffer: Uint8Array = new Uint8Array(0);

  constructor() {
    if (!codec) throw new Error("EventStreamDecoder: await loadEventStreamCodec() first.");
    this.codec = codec;
  }

  push(bytes: Uint8Array): EventStreamMessage[] {
    this.buffer = this.buffer.length === 0 ? bytes : concat(this.buffer, bytes);
    const out: EventStreamMessage[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 4) {
      const b = this.buffer;
      const length = ((b[offset]! << 24) | (b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!) >>> 0;
      if (length < OVERHEAD || length > MAX_MESSAGE) throw upstreamError(502, `The upstream event stream is corrupt (a frame claims ${length} bytes).`, "bad_upstream_stream");
      if (b.length - offset < length) break;
      out.push(this.decode(b.subarray(offset, offset + length)));
      offset += length;
    }
    // Keep only the unfinished frame; copy so a large upstream chunk is not held alive by a view.
    this.buffer = offset === 0 ? this.buffer : this.buffer.slice(offset);
    return out;
  }

  flush(): EventStreamMessage[] {
    if (this.buffer.length > 0) {
      const n = this.buffer.length;
      this.buffer = new Uint8Array(0);
      throw upstreamError(502, `The upstream event stream ended inside a frame (${n} bytes left over).`, "upstream_truncated");
    }
    return [];
  }

  private decode(frame: Uint8Array): EventStreamMessage {
    let message;
    try {
      message = this.codec.decode(frame);
    } catch (e) {
      throw upstreamError(502, `The upstream event stream is corrupt: ${(e as Error).message}`, "bad_upstream_stream");
    }
    const headers: EventStreamMessage["headers"] = {};
    for (const [name, h] of Object.entries(message.headers)) headers[name] = h.value;
    return { headers, body: message.body };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
