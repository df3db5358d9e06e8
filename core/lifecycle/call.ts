import { GatewayError } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { scrub } from "../scrub.js";
import type { CallRecord, Usage } from "../types.js";
import type { AuthResult } from "./auth.js";

export interface CallEnd {
  status?: number;
  usage?: Usage;
  error?: string;
}

/** Model names longer than this are cut in the record: a client's 100 KB name must not break a usage row's key. */
const MAX_RECORDED_MODEL = 256;

/**
 * One API request from start to end: the record that usage, limits and logs read, finished
 * exactly once — on return, on a throw, when its stream ends, fails or is cancelled, when the
 * client leaves. Finishing releases what the call held (its in-flight slot) and hands the record
 * to the observers as deferred work.
 */
export class Call {
  readonly record: CallRecord;
  auth?: AuthResult;
  private finished = false;
  private readonly secrets: string[] = [];
  private readonly releases: Array<() => void> = [];

  constructor(
    private readonly gw: Gateway,
    requestId: string,
    endpoint: string,
    startedAt: number,
  ) {
    this.record = { requestId, endpoint, status: 200, stream: false, startedAt, durationMs: 0 };
  }

  get done(): boolean {
    return this.finished;
  }

  set model(model: string | undefined) {
    this.record.model = model === undefined || model.length <= MAX_RECORDED_MODEL ? model : `${model.slice(0, MAX_RECORDED_MODEL)}…`;
  }

  /** A secret this call holds (the provider credential it used): scrubbed from everything it sends out. */
  holdsSecret(...values: string[]) {
    for (const v of values) if (v && !this.secrets.includes(v)) this.secrets.push(v);
  }

  /** Runs once, when the call finishes. */
  onFinish(release: () => void) {
    if (this.finished) release();
    else this.releases.push(release);
  }

  scrub(text: string): string {
    return scrub(text, this.secrets.length ? [...this.secrets, ...this.gw.secrets] : this.gw.secrets);
  }

  /** The same error, its message scrubbed: what the client sees. */
  scrubbed(e: GatewayError): GatewayError {
    const message = this.scrub(e.message);
    return message === e.message ? e : new GatewayError(e.status, message, e.type, e.code, e.param, e.headers);
  }

  finish(end: CallEnd = {}) {
    if (this.finished) return;
    this.finished = true;
    const record = this.record;
    record.durationMs = Date.now() - record.startedAt;
    if (end.usage) record.usage = end.usage;
    if (end.error) record.error = this.scrub(end.error);
    if (end.status !== undefined) record.status = end.status;
    for (const release of this.releases) release();
    const { log, defer } = this.gw.runtime;
    log.info("request", record as unknown as Record<string, unknown>); // loggers write (or drop) their fields at once: no copy
    for (const observe of this.gw.observers) {
      defer(Promise.resolve().then(() => observe(record)).catch((e) => log.error("observer failed", { requestId: record.requestId, error: String(e?.message ?? e) })));
    }
  }

  /** Finishes with what a thrown error says: its status (499 when the client left), or 500. */
  fail(e: unknown) {
    if (e instanceof GatewayError) this.finish({ status: e.status, error: e.message });
    else this.finish({ status: 500, error: String((e as Error)?.message ?? e) });
  }
}
