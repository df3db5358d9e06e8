import type { ServerResponse } from "node:http";
import type { StreamedParts } from "../../core/response-parts.js";

const TURN = Symbol("turn");
const nextTurn = () => new Promise<typeof TURN>((resolve) => setImmediate(() => resolve(TURN)));

/**
 * A streamed answer written straight to the socket from its source: no Web stream between, the
 * text written as text (the socket encodes it), and the headers with the first chunk. Through the
 * Response, @hono/node-server flushes the headers in a write of their own before the first chunk:
 * one more syscall per stream. The first chunk is usually ready at once, so the headers wait for
 * it one turn of the event loop and leave with it; a slow first token still gets its headers
 * early. The client leaving cancels the source (and so the upstream request); a source that fails
 * cuts the connection, as the upstream's did, so the client never sees an end.
 */
export async function writeStreamed({ status, headers, source }: StreamedParts, out: ServerResponse): Promise<void> {
  const cancel = () => void source.cancel().catch(() => {});
  // A client gone before this point fired its close already: the source must still be cancelled,
  // or the call would never finish (its log, usage and in-flight slot with it).
  if (out.destroyed || out.closed) return cancel();
  out.once("close", cancel);
  try {
    let next = source.read();
    const first = await Promise.race([next, nextTurn()]);
    out.writeHead(status, headers);
    if (first === TURN) out.flushHeaders();
    for (;;) {
      const piece = await next;
      if (piece === undefined) break;
      if (out.destroyed) return cancel();
      if (!out.write(piece)) await new Promise((resolve) => out.once("drain", resolve).once("close", resolve));
      next = source.read();
    }
    out.end();
  } catch (e) {
    out.destroy(e as Error);
  } finally {
    out.off("close", cancel);
  }
}
