/**
 * Work after the response (usage, counters, logs, cache writes), kept alive with ctx.waitUntil.
 *
 * The gateway is built once per isolate but `waitUntil` belongs to one request, and a streamed
 * answer defers its work only when the stream ends, after fetch() has returned. So deferred work
 * goes into one isolate-wide set, and each request's waitUntil waits for its own body to finish
 * and then for the set to empty. Another request's work may ride along; that only keeps the
 * isolate alive a little longer, never drops anything.
 */
export class DeferredWork {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  readonly defer = (work: Promise<unknown>): void => {
    const tracked = work.catch(this.onError);
    this.pending.add(tracked);
    tracked.finally(() => this.pending.delete(tracked));
  };

  /** Resolves once nothing is pending, including work that deferred work itself deferred. */
  async drained(): Promise<void> {
    // One macrotask first: a cancelled stream reports its end a few microtasks after the cancel.
    await new Promise((r) => setTimeout(r, 0));
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  get size(): number {
    return this.pending.size;
  }
}

/**
 * The response as fetch() should return it, and a promise for when its body has been delivered.
 * Only a streamed body (SSE) is piped through an identity stream to see its end; any other body
 * was complete, and its work deferred, before the Response was made.
 */
export function watchBody(res: Response): { response: Response; delivered: Promise<void> } {
  if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return { response: res, delivered: Promise.resolve() };
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const delivered = res.body.pipeTo(writable).catch(() => {});
  return { response: new Response(readable, res), delivered };
}
