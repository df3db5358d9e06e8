import { EventStreamDecoder } from "./eventstream.js";
import { SSEDecoder } from "./sse.js";

/** Splits an upstream byte stream into events, whatever the chunk boundaries. */
export interface FrameDecoder<Event = unknown> {
  push(bytes: Uint8Array): Event[];
  /** The stream ended: whatever complete event is left. */
  flush(): Event[];
}

export const framings: Record<string, () => FrameDecoder> = {
  sse: () => new SSEDecoder(),
  "aws-eventstream": () => new EventStreamDecoder(),
};
