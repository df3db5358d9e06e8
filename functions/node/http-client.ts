import { Agent, type Dispatcher } from "undici";
import type { Cancel } from "../../core/cancel.js";
import type { HttpClient, UpstreamRequest, UpstreamResponse } from "../../core/http.js";

/**
 * Upstream calls on undici's dispatcher with a handler of our own: the answer's chunks go into a
 * plain queue that the core reads whole (`bytes`) or chunk by chunk (`chunks`). undici's `request`
 * wraps each call in a RequestHandler, an AsyncResource and a Node Readable, and reads a JSON
 * answer back out of that stream: about a third of a bare proxy's CPU per call (294 against 201
 * µs, docs/performance.md). A streamed answer holds its connection for as long as it runs
 * (minutes), so the pool per provider is wide: at 256, the 257th of a thousand agents' streams
 * waited for one to end (`npm run bench:streams`).
 */
export function undiciClient(agent: Dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 4096, headersTimeout: 0, bodyTimeout: 300_000 })): HttpClient {
  return (req) =>
    new Promise((resolve, reject) => {
      if (req.cancel?.aborted) return reject(req.cancel.reason);
      let url: URL;
      try {
        url = new URL(req.url);
      } catch (e) {
        return reject(e);
      }
      agent.dispatch({ origin: url.origin, path: url.pathname + url.search, method: req.method, headers: req.headers, body: req.body }, new UpstreamCall(req, resolve, reject));
    });
}

/** Queued past this many bytes that nobody has read yet, the connection is paused (undici's own stream pauses at the same). */
const HIGH_WATER = 65_536;

type Waiter = { resolve(r: IteratorResult<Uint8Array>): void; reject(e: unknown): void };

/** One call's handler: the answer once its headers are in, then its body as a queue. */
class UpstreamCall implements Dispatcher.DispatchHandler, UpstreamResponse, AsyncIterator<Uint8Array> {
  status = 0;
  headers: Record<string, string> = {};
  private controller: Dispatcher.DispatchController | undefined;
  private started = false;
  private readonly queue: Buffer[] = [];
  private head = 0;
  private queued = 0;
  private ended = false;
  private error: unknown;
  /** A reader waiting for the next chunk (chunks) or for the end (bytes). */
  private waiter: Waiter | undefined;
  private whole: { resolve(b: Uint8Array): void; reject(e: unknown): void } | undefined;
  private stopFollowing: (() => void) | undefined;

  constructor(
    private readonly req: UpstreamRequest,
    private readonly resolve: (res: UpstreamResponse) => void,
    private readonly reject: (e: unknown) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController) {
    this.controller = controller;
    const cancel: Cancel | undefined = this.req.cancel;
    // undici starts a request again when the one before it on a pipelined connection failed.
    this.stopFollowing?.();
    if (cancel) this.stopFollowing = cancel.onAbort(() => controller.abort(cancel.reason as Error));
  }

  onResponseStart(_: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>) {
    this.status = status;
    // undici's own object, its lower-case names kept: only a repeated header (an array) is joined.
    for (const k in headers) {
      const v = headers[k];
      if (Array.isArray(v)) headers[k] = v.join(", ");
      else if (v === undefined) delete headers[k];
    }
    this.headers = headers as Record<string, string>;
    this.started = true;
    this.resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer) {
    const waiter = this.waiter;
    if (waiter && !this.whole) {
      this.waiter = undefined;
      waiter.resolve({ value: chunk, done: false });
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER && !this.whole) controller.pause();
  }

  onResponseEnd() {
    this.ended = true;
    this.settle();
    if (this.whole) this.whole.resolve(this.drain());
    else if (this.waiter) this.waiter.resolve({ value: undefined, done: true });
    this.whole = this.waiter = undefined;
  }

  onResponseError(_: Dispatcher.DispatchController, e: Error) {
    this.settle();
    if (!this.started) return this.reject(e);
    this.error = e;
    (this.whole ?? this.waiter)?.reject(e);
    this.whole = this.waiter = undefined;
  }

  text(): Promise<string> {
    return this.bytes().then((b) => decoder.decode(b));
  }

  bytes(): Promise<Uint8Array> {
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve(this.drain());
    // Read whole: what is already queued stays, and the rest is taken without pausing.
    if (this.controller?.paused) this.controller.resume();
    return new Promise((resolve, reject) => (this.whole = { resolve, reject }));
  }

  chunks(): AsyncIterable<Uint8Array> {
    return { [Symbol.asyncIterator]: () => this };
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as Buffer;
      this.queued -= value.length;
      if (this.head === this.queue.length) this.queue.length = this.head = 0;
      if (this.queued <= HIGH_WATER / 2 && this.controller?.paused) this.controller.resume();
      return Promise.resolve({ value, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The reader stopped early: the rest of the answer is not wanted, and the connection is not reused. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (!this.ended && this.error === undefined) this.controller?.abort(new Error("The gateway stopped reading the upstream's answer."));
    this.queue.length = this.head = this.queued = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  private drain(): Uint8Array {
    const parts = this.head === 0 ? this.queue : this.queue.slice(this.head);
    const out = parts.length === 1 ? parts[0]! : parts.length === 0 ? new Uint8Array(0) : Buffer.concat(parts);
    this.queue.length = this.head = this.queued = 0;
    return out;
  }

  private settle() {
    this.stopFollowing?.();
    this.stopFollowing = undefined;
  }
}

const decoder = new TextDecoder();
