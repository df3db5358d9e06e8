import type { ServerResponse } from "node:http";
import type { StreamedParts } from "../../core/streamed-response.js";

const nextTurn = () => new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)));

/**
 * A streamed answer written straight to the socket. Through the Response, @hono/node-server flushes
 * the headers in a write of their own before the first chunk: one more syscall per stream, about
 * a twentieth of a streamed request's CPU here. The first chunk is usually ready at once, so the
 * headers wait for it one turn of the event loop and leave with it; a slow first token still
 * gets its headers early. The client leaving cancels the body (and so the upstream request); a
 * body that fails cuts the connection, as the upstream's did, so the client never sees an end.
 */
export async function writeStreamed({ status, headers, body }: StreamedParts, out: ServerResponse): Promise<void> {
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  // A client gone before this point fired its close already: the body must still be cancelled,
  // or the call would never finish (its log, usage and in-flight slot with it).
  if (out.destroyed || out.closed) return cancel();
  out.once("close", cancel);
  try {
    let next = reader.read();
    const first = await Promise.race([next, nextTurn()]);
    out.writeHead(status, headers);
    if (first === undefined) out.flushHeaders();
    for (;;) {
      const { done, value } = await next;
      if (done) break;
      if (out.destroyed) return cancel();
      if (!out.write(value)) await new Promise((resolve) => out.once("drain", resolve).once("close", resolve));
      next = reader.read();
    }
    out.end();
  } catch (e) {
    out.destroy(e as Error);
  } finally {
    out.off("close", cancel);
  }
}
