import type { HttpClient } from "../http.js";
import { Cancel } from "../cancel.js";
import type { Logger } from "../runtime.js";
import { scrub } from "../scrub.js";
import type { CallRecord } from "../types.js";
import { callSpans, type OtlpResource, type OtlpSpan, otlpTraceRequest } from "./otlp.js";

/**
 * Sends finished calls to an OTLP/HTTP collector as JSON, in batches. It never throws from add()
 * or flush() and never holds a request up: a failed export is logged (the endpoint without its
 * credentials or query, any header value scrubbed from the error). A batch the collector may
 * accept later (429, 502, 503, 504, no answer) is kept, and the flush stops there; one it
 * refused (another status) is dropped, and the flush goes on. The queue is bounded: past
 * `maxQueue` calls the oldest are dropped and counted, and the next flush logs how many.
 *
 * It keeps no flush timer: the runtime decides when to flush (through defer() after each request
 * on Workers and Lambda; on the local server, when add() returns a full batch's flush, and on an
 * interval of its own). Each POST is given up on after `timeoutMs`.
 */

/** How the runtime posts a body: fetch on Workers and Lambda, the pooled client on Node (see postWith). */
export type OtlpPost = (url: string, body: string, headers: Record<string, string>, signal: AbortSignal) => Promise<{ status: number }>;

export interface OtlpExporterOptions {
  /** The traces URL, used as given (a collector's is usually http://host:4318/v1/traces). */
  endpoint: string;
  /** Sent with every export (an API key header, for example); never logged. */
  headers?: Record<string, string>;
  resource: OtlpResource;
  post: OtlpPost;
  /** Calls per POST (default 100). */
  maxBatch?: number;
  /** Calls held while the collector is slow or down (default 2000); past it the oldest are dropped. */
  maxQueue?: number;
  /** Milliseconds an export may take before it counts as failed (default 10000). */
  timeoutMs?: number;
  log: Logger;
}

export interface OtlpExporterStats {
  queued: number;
  exportedSpans: number;
  droppedCalls: number;
  failedPosts: number;
}

/** Statuses after which the OTLP spec says the same request may succeed later. */
const RETRYABLE = new Set([429, 502, 503, 504]);

type Outcome = "sent" | "retry" | "rejected";

export class OtlpExporter {
  private readonly endpoint: string;
  /** The endpoint as logs may show it: scheme, host and path only. */
  private readonly shownEndpoint: string;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  /** One entry per call: its spans, kept together so a drop never orphans an attempt span. */
  private queue: OtlpSpan[][] = [];
  private flushing: Promise<void> = Promise.resolve();
  private droppedSinceLog = 0;
  private readonly counts = { exportedSpans: 0, droppedCalls: 0, failedPosts: 0 };

  constructor(private readonly options: OtlpExporterOptions) {
    const url = new URL(options.endpoint);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`The OTLP endpoint must be an http(s) URL, not ${url.protocol}`);
    this.endpoint = options.endpoint;
    this.shownEndpoint = `${url.origin}${url.pathname}`;
    this.headers = { ...options.headers, "content-type": "application/json" };
    this.secrets = [...Object.values(options.headers ?? {}), url.username, url.password, url.search, options.endpoint].filter(Boolean);
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 100));
    this.maxQueue = Math.max(this.maxBatch, Math.floor(options.maxQueue ?? 2000));
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Queues a finished call (nothing for a call without a trace context or one the client's
   * traceparent marked unsampled). When that fills a batch, it starts a flush and returns it, for
   * the caller to defer(); otherwise it returns undefined.
   */
  add(record: CallRecord): Promise<void> | undefined {
    if (!record.trace?.sampled) return undefined;
    const spans = callSpans(record);
    if (spans.length === 0) return undefined;
    this.queue.push(spans);
    this.bound();
    return this.queue.length >= this.maxBatch ? this.flush() : undefined;
  }

  /** Sends everything queued, batch by batch, one flush at a time. Resolves, never rejects. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  stats(): OtlpExporterStats {
    return { queued: this.queue.length, ...this.counts };
  }

  private async drain(): Promise<void> {
    if (this.droppedSinceLog > 0) {
      this.options.log.warn("OTLP export queue was full: the oldest calls' spans were dropped", { endpoint: this.shownEndpoint, dropped: this.droppedSinceLog });
      this.droppedSinceLog = 0;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      // A refused batch is that batch's fault: the next one goes. A collector that may recover gets no more until the next flush.
      if ((await this.send(batch)) !== "retry") continue;
      this.queue.unshift(...batch);
      this.bound();
      return;
    }
  }

  private async send(batch: OtlpSpan[][]): Promise<Outcome> {
    const spans = batch.flat();
    const body = JSON.stringify(otlpTraceRequest(spans, this.options.resource));
    try {
      const { status } = await this.post(body);
      if (status >= 200 && status < 300) {
        this.counts.exportedSpans += spans.length;
        return "sent";
      }
      this.counts.failedPosts++;
      const retry = RETRYABLE.has(status);
      this.options.log.warn("OTLP export failed", { endpoint: this.shownEndpoint, status, spans: spans.length, kept: retry });
      return retry ? "retry" : "rejected";
    } catch (e) {
      this.counts.failedPosts++;
      const error = scrub(String((e as Error)?.message ?? e), this.secrets);
      this.options.log.warn("OTLP export failed", { endpoint: this.shownEndpoint, error, spans: spans.length, kept: true });
      return "retry";
    }
  }

  /** The post, given up on after timeoutMs even when the runtime's client ignores the signal. */
  private post(body: string): Promise<{ status: number }> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const timedOut = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error(`no answer in ${this.timeoutMs} ms`)), { once: true }));
    timedOut.catch(() => {}); // the post usually wins: the late timeout must not be an unhandled rejection
    return Promise.race([this.options.post(this.endpoint, body, this.headers, signal), timedOut]);
  }

  /** Drops the oldest calls past maxQueue. */
  private bound() {
    const excess = this.queue.length - this.maxQueue;
    if (excess <= 0) return;
    this.queue.splice(0, excess);
    this.droppedSinceLog += excess;
    this.counts.droppedCalls += excess;
  }
}

/** An OtlpPost over the runtime's HttpClient; it reads the answer to its end so the connection goes back to the pool. */
export function postWith(http: HttpClient): OtlpPost {
  return async (url, body, headers, signal) => {
    const res = await http({ url, method: "POST", headers, body, cancel: Cancel.of(signal) });
    await res.text().catch(() => "");
    return { status: res.status };
  };
}
