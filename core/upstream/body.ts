import type { Cancel } from "../cancel.js";
import { GatewayError, upstreamError } from "../errors.js";
import type { UpstreamResponse } from "../http.js";
import { abortedError, type AttemptTimer } from "./attempt.js";

/**
 * An upstream body, read with an idle clock: once the headers are in, the upstream may not go
 * silent for longer than `idleMs` between chunks. The clock runs only while the gateway waits on
 * the upstream, never while a slow client holds the stream back. One timer per body, re-armed
 * rather than reset per chunk, so a chunk costs one Date.now().
 */
export class UpstreamBody implements AsyncIterator<Uint8Array> {
  private it: AsyncIterator<Uint8Array> | undefined;
  private waitSince = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idle = false;
  /** Read whole (a JSON answer) rather than streamed on: only the error's wording differs. */
  private whole = false;

  constructor(
    private readonly res: UpstreamResponse,
    private readonly attempt: AttemptTimer,
    private readonly idleMs: number,
    private readonly providerName: string,
    private readonly client?: Cancel,
  ) {}

  next(): Promise<IteratorResult<Uint8Array>> {
    this.it ??= this.res.chunks()[Symbol.asyncIterator]();
    this.waitSince = Date.now();
    this.timer ??= setTimeout(this.check, this.idleMs);
    return this.it.next().then(this.arrived, this.failed);
  }

  private readonly arrived = (r: IteratorResult<Uint8Array>) => {
    this.waitSince = 0;
    if (r.done) this.stop();
    return r;
  };

  private readonly failed = (e: unknown): never => {
    this.stop();
    throw this.failure(e);
  };

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.stop();
    await this.it?.return?.();
    return { done: true, value: undefined };
  }

  /**
   * The whole body (a JSON answer), read in one call — the cheapest way on every runtime — so here
   * the idle clock bounds the whole body after the headers rather than each gap between chunks.
   */
  async bytes(): Promise<Uint8Array> {
    this.whole = true;
    this.waitSince = Date.now();
    this.timer = setTimeout(this.check, this.idleMs);
    try {
      return await this.res.bytes();
    } catch (e) {
      throw this.failure(e);
    } finally {
      this.stop();
    }
  }

  stop() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.waitSince = 0;
  }

  private readonly check = () => {
    this.timer = undefined;
    const waited = this.waitSince ? Date.now() - this.waitSince : 0;
    if (waited >= this.idleMs) {
      this.idle = true;
      this.attempt.abort();
      return;
    }
    this.timer = setTimeout(this.check, this.idleMs - waited);
  };

  /** Why a read failed: the client left, the upstream went silent, the attempt's clock ran out, or the connection broke. */
  private failure(e: unknown) {
    if (this.client?.aborted) return abortedError(this.client);
    if (this.idle) return upstreamError(504, `Provider "${this.providerName}" sent nothing for ${this.idleMs} ms, so the gateway gave up on its answer.`, "upstream_idle_timeout");
    if (this.attempt.cancel.aborted) return upstreamError(504, `Provider "${this.providerName}" did not finish its answer in time.`, "upstream_timeout");
    if (e instanceof GatewayError) return e;
    const reason = (e as Error)?.message ?? String(e);
    return this.whole
      ? upstreamError(502, `The connection to provider ${this.providerName} failed before its answer was complete: ${reason}`, "upstream_error")
      : upstreamError(502, `The upstream connection failed mid-stream: ${reason}`, "upstream_stream_error");
  }
}
