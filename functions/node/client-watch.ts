import type { IncomingMessage, ServerResponse } from "node:http";
import { Cancel } from "../../core/cancel.js";

/**
 * The client of a request left: its connection closed before the answer was all written (or the
 * request errored). Read from the Node response's close event — one EventEmitter listener — rather
 * than from the Web request's AbortSignal, which @hono/node-server makes per request on first use
 * (an AbortController and an EventTarget listener: about 20 µs). `env` is what @hono/node-server
 * hands the app as `c.env`.
 */
export function watchClient(env: unknown): Cancel | undefined {
  const { incoming, outgoing } = (env ?? {}) as { incoming?: IncomingMessage; outgoing?: ServerResponse };
  if (!incoming || !outgoing) return undefined;
  const cancel = new Cancel();
  if (outgoing.closed) {
    if (!outgoing.writableFinished) cancel.abort();
    return cancel;
  }
  outgoing.once("close", () => {
    if (incoming.errored || !outgoing.writableFinished) cancel.abort();
  });
  return cancel;
}
