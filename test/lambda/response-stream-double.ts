import { Writable } from "node:stream";
import type { Prelude } from "../../functions/lambda/response.js";

/**
 * A stand-in for the Lambda response stream and `awslambda.HttpResponseStream.from`, behaving like
 * the runtime client's: the prelude and 8 NUL bytes go out on the first write, chunks are recorded
 * with their arrival time, and `failAfter` makes the stream break like a lost runtime connection.
 */
export class ResponseStreamDouble extends Writable {
  prelude?: Prelude;
  readonly chunks: Array<{ at: number; data: Buffer }> = [];
  readonly raw: Buffer[] = [];
  ended = false;
  private onFirstWrite?: (write: (b: Buffer) => void) => void;
  private readonly t0 = Date.now();

  constructor(private readonly opts: { failAfter?: number; highWaterMark?: number } = {}) {
    super({ highWaterMark: opts.highWaterMark ?? 16 * 1024 });
  }

  /** The `from` the gateway is handed. */
  readonly from = (stream: Writable, prelude: Prelude): Writable => {
    if (stream !== this) throw new Error("from() got another stream");
    this.prelude = prelude;
    this.onFirstWrite = (write) => {
      write(Buffer.from(JSON.stringify(prelude)));
      write(Buffer.alloc(8));
    };
    return this;
  };

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void) {
    if (this.onFirstWrite) {
      const f = this.onFirstWrite;
      this.onFirstWrite = undefined;
      f((b) => this.raw.push(b));
    }
    if (this.opts.failAfter !== undefined && this.chunks.length >= this.opts.failAfter) {
      cb(new Error("runtime connection reset"));
      return;
    }
    this.raw.push(chunk);
    if (chunk.length) this.chunks.push({ at: Date.now() - this.t0, data: chunk });
    cb();
  }

  override _final(cb: (e?: Error | null) => void) {
    this.ended = true;
    cb();
  }

  get body(): string {
    return Buffer.concat(this.chunks.map((c) => c.data)).toString("utf8");
  }

  /** What went over the wire: prelude JSON, 8 NULs, body. */
  get wire(): Buffer {
    return Buffer.concat(this.raw);
  }
}
