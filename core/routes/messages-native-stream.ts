import { GatewayError, upstreamError } from "../errors.js";
import { anthropicErrorBody } from "../formats/anthropic/errors.js";
import { EventStreamDecoder } from "../formats/eventstream.js";
import { SSEDecoder } from "../formats/sse.js";
import type { Call } from "../lifecycle/call.js";
import { invokeFrameToSSE } from "../providers/bedrock/invoke-messages.js";
import type { MessagesAdapter } from "../providers/types.js";
import type { Answer } from "../upstream/attempt-loop.js";
import { SSEUsageScanner } from "../usage/scanners.js";

const encoder = new TextEncoder();

/**
 * A native Anthropic stream to the client, one upstream read at a time: Anthropic's SSE bytes as
 * they came, or Bedrock's event-stream frames turned into the same events. Usage is read on the
 * way. A failure — a reset, a silent upstream, an exception frame, a stream that ends before
 * `message_stop` — ends it with an Anthropic `error` event, so a cut answer never looks whole.
 */
export function nativeMessagesStream(answer: Answer, framing: MessagesAdapter["framing"], call: Call, headers: Record<string, string>): Response {
  answer.timer.settle();
  const upstream = answer.body;
  const frames = framing === "aws-eventstream" ? new EventStreamDecoder() : undefined;
  const events = new SSEDecoder();
  const usage = new SSEUsageScanner();
  let stopped = false;
  let failed: string | undefined;

  const watch = (bytes: Uint8Array) => {
    usage.push(bytes);
    for (const ev of events.push(bytes)) {
      if (ev.event === "message_stop") stopped = true;
      else if (ev.event === "error") failed = ev.data.slice(0, 500);
    }
  };
  const finish = (error?: string, cancelled = false) => {
    if (call.done) return;
    call.finish({ usage: usage.end(), status: cancelled ? 499 : 200, error: cancelled ? "client closed the stream" : error });
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await upstream.next();
            if (done) {
              if (frames) for (const m of frames.flush()) watch(encoder.encode(invokeFrameToSSE(m)));
              if (!stopped && !failed) throw upstreamError(502, `Provider "${answer.ctx.providerName}" ended the stream before message_stop.`, "upstream_stream_error");
              controller.close();
              finish(failed && `the provider's stream ended with an error event: ${failed}`);
              return;
            }
            let bytes = value;
            if (frames) {
              let text = "";
              for (const m of frames.push(value)) text += invokeFrameToSSE(m);
              if (!text) continue;
              bytes = encoder.encode(text);
            }
            watch(bytes);
            controller.enqueue(bytes);
            return;
          }
        } catch (e) {
          if (call.done) return; // cancelled: the client is gone
          const error = e instanceof GatewayError ? e : upstreamError(502, `The upstream connection failed mid-stream: ${(e as Error)?.message ?? e}`, "upstream_stream_error");
          const clean = call.scrubbed(error);
          controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify(anthropicErrorBody(clean))}\n\n`));
          controller.close();
          answer.timer.abort();
          upstream.stop();
          finish(clean.message);
        }
      },
      async cancel() {
        finish(undefined, true);
        answer.timer.abort();
        await upstream.return();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: 200, headers });
}
