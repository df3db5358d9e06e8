import type { Logger } from "../../core/runtime.js";
import { endingWithErrorEvent } from "../stream-error.js";

/**
 * Work after the response (usage, counters, logs, cache writes), kept alive with ctx.waitUntil.
 *
 * The gateway is built once per isolate but `waitUntil` belongs to one request, and a streamed
 * answer defers its work only when the stream ends, after fetch() has returned. So deferred work
 * goes into one isolate-wide DeferredWork (functions/boot.ts), and each request's waitUntil waits
 * for its own body to finish (watchBody) and then for that to drain. Another request's work may
 * ride along; that only keeps the isolate alive a little longer, never drops anything.
 */

/**
 * The response as fetch() should return it, and a promise for when its body has been delivered.
 * Only a streamed body (SSE) is passed through, to see its end and to end it with an error event
 * if it fails (workerd would end it cleanly: functions/stream-error.ts); any other body was
 * complete, and its work deferred, before the Response was made.
 */
export function watchBody(res: Response, log: Logger): { response: Response; delivered: Promise<void> } {
  if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return { response: res, delivered: Promise.resolve() };
  let ended!: () => void;
  const delivered = new Promise<void>((r) => (ended = r));
  return { response: new Response(endingWithErrorEvent(res.body, log, ended), res), delivered };
}
