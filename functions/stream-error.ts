import type { Logger } from "../core/runtime.js";

/**
 * An event stream that fails after its first bytes: Node breaks the connection, which a client
 * sees as an error, but Lambda and workerd end a failed body cleanly, so a client would take a cut
 * answer for a whole one. Their adapters end it with an error event instead, in the stream's own
 * style: named events (`event: error`, as Anthropic and the Responses API send) when the stream
 * names its events, OpenAI's `data: {"error": …}` otherwise.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whether an event stream names its events, from its first bytes (comments may come first). */
export function namesEvents(first: Uint8Array): boolean {
  return /^(?::[^\n]*\n)*event:/.test(decoder.decode(first.subarray(0, 256)));
}

export function streamErrorEvent(message: string, named: boolean): Uint8Array {
  return encoder.encode(
    named
      ? `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "api_error", message } })}\n\n`
      : `data: ${JSON.stringify({ error: { message, type: "api_error", code: "stream_error", param: null } })}\n\n`,
  );
}

export const STREAM_FAILED = "The gateway's response stream failed before the end.";

/**
 * `body`, passed on chunk by chunk (nothing buffered), ending with an error event if reading it
 * fails. `onEnd` runs once, when it ends, fails or is cancelled. Cancelling it cancels `body`.
 */
export function endingWithErrorEvent(body: ReadableStream<Uint8Array>, log: Logger, onEnd: () => void = () => {}): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let named: boolean | undefined;
  let ended = false;
  const end = () => {
    if (!ended) (ended = true), onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          log.error("response body failed mid-stream", { error: String((e as Error)?.message ?? e) });
          controller.enqueue(streamErrorEvent(STREAM_FAILED, named ?? false));
          controller.close();
          end();
          return;
        }
        if (chunk.done) {
          controller.close();
          end();
          return;
        }
        if (named === undefined && chunk.value.byteLength) named = namesEvents(chunk.value);
        controller.enqueue(chunk.value);
      },
      async cancel(reason) {
        end();
        await reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
