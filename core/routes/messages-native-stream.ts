import { upstreamError } from "../errors.js";
import { anthropicErrorBody } from "../formats/anthropic/errors.js";
import { EventStreamDecoder } from "../formats/eventstream.js";
import type { Call } from "../lifecycle/call.js";
import { invokeFrameToSSE } from "../providers/bedrock/invoke-messages.js";
import type { MessagesAdapter } from "../providers/types.js";
import type { Answer } from "../upstream/attempt-loop.js";
import { type EventFilter, relayNativeSSE } from "./native-sse.js";
import type { StreamedParts } from "../response-parts.js";

const encoder = new TextEncoder();

/**
 * A native Anthropic stream to the client: Anthropic's SSE bytes as they came, or Bedrock's
 * event-stream frames turned into the same events. It must end with `message_stop`; a failure
 * (an exception frame included) ends it with an Anthropic `error` event.
 */
export function nativeMessagesStream(answer: Answer, framing: MessagesAdapter["framing"], call: Call, headers: Record<string, string>, guard?: EventFilter): StreamedParts {
  const frames = framing === "aws-eventstream" ? new EventStreamDecoder() : undefined;
  const toSSE = (messages: ReturnType<EventStreamDecoder["push"]>) => {
    let text = "";
    for (const m of messages) text += invokeFrameToSSE(m);
    return text ? encoder.encode(text) : undefined;
  };
  let stopped = false;
  let failed = false;
  return relayNativeSSE(
    answer,
    call,
    {
      translate: frames && ((bytes) => toSSE(frames.push(bytes))),
      flush: frames && (() => toSSE(frames.flush())),
      saw(ev) {
        if (ev.event === "message_stop") stopped = true;
        else if (ev.event === "error") failed = true;
      },
      ended() {
        if (!stopped && !failed) throw upstreamError(502, `Provider "${answer.ctx.providerName}" ended the stream before message_stop.`, "upstream_stream_error");
      },
      errorEvent: (error) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`,
    },
    headers,
    guard,
  );
}
