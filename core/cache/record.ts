import { concatBytes } from "../formats/bytes.js";

/**
 * The answer's body, passed on to the client one read at a time (never buffered on the way), with
 * a copy kept as it goes. `done` gets the whole copy once the body ended, or undefined when it
 * failed, was cancelled, or grew past `limit` bytes (the copy is dropped then, the answer goes on).
 */
export function recordBody(body: ReadableStream<Uint8Array>, limit: number, done: (bytes: Uint8Array | undefined) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let parts: Uint8Array[] | undefined = [];
  let size = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await reader.read();
        } catch (e) {
          done(undefined);
          controller.error(e);
          return;
        }
        if (read.done) {
          controller.close();
          done(parts && concatBytes(parts, size));
          return;
        }
        if (parts) {
          size += read.value.length;
          if (size > limit) parts = undefined;
          else parts.push(read.value);
        }
        controller.enqueue(read.value);
      },
      cancel(reason) {
        done(undefined);
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
