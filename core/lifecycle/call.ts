import { GatewayError } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { scrub } from "../scrub.js";
import type { CallRecord, Usage } from "../types.js";
import type { AuthResult } from "./auth.js";
import type { CustomCost } from "../pricing/custom-cost.js";
import type { CallGuard } from "../guardrails/call-guard.js";

export interface CallEnd {
  status?: number;
  usage?: Usage;
  error?: string;
  /** The error's code, when the call failed with one. */
  errorCode?: string;
}

/** What an observer gets besides the record: the call's own scrubber, and the bodies when they were captured. */
export interface FinishedCall {
  /** The call's scrubber: its credentials and the gateway's secrets removed. */
  scrub(text: string): string;
  /** The request and answer bodies (raw, unscrubbed), when logging bodies was on; settles once the answer ended. */
  bodies?: Promise<{ request?: string; response?: string; truncated?: boolean }>;
  /** The caller's own price for this call (cf-aig-custom-cost), over the price table's. */
  customCost?: CustomCost;
}

/** Model names longer than this are cut in the record: a client's 100 KB name must not break a usage row's key. */
const MAX_RECORDED_MODEL = 256;

const cut = (model: string | undefined) => (model === undefined || model.length <= MAX_RECORDED_MODEL ? model : `${model.slice(0, MAX_RECORDED_MODEL)}…`);

/**
 * One API request from start to end: the record that usage, limits and logs read, finished
 * exactly once — on return, on a throw, when its stream ends, fails or is cancelled, when the
 * client leaves. Finishing releases what the call held (its in-flight slot) and hands the record
 * to the observers as deferred work.
 */
export class Call {
  readonly record: CallRecord;
  auth?: AuthResult;
  /** Set when the bodies are to be logged: the request's text, then the answer's once it ended. */
  bodies?: Promise<{ request?: string; response?: string; truncated?: boolean }>;
  /** cf-aig-custom-cost, when the request set one. */
  customCost?: CustomCost;
  /** The guardrails this call runs, when any policy applies. */
  guard?: CallGuard;
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

  /** The model that answered (the route first sets the one asked for: it is kept as requestedModel). */
  set model(model: string | undefined) {
    const r = this.record;
    r.model = cut(model);
    r.requestedModel ??= r.model;
  }

  /** The answer's first byte is on its way: time to first byte is now. */
  answered() {
    this.record.ttfbMs ??= Date.now() - this.record.startedAt;
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

  readonly scrub = (text: string): string => scrub(text, this.secrets.length ? [...this.secrets, ...this.gw.secrets] : this.gw.secrets);

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
    if (end.errorCode) record.errorCode = end.errorCode;
    if (end.status !== undefined) record.status = end.status;
    const attempts = record.attempts;
    if (attempts?.length) {
      for (const a of attempts) if (a.error) a.error = this.scrub(a.error);
      const answered = attempts[attempts.length - 1]!;
      if (answered.status !== undefined && answered.status < 300) answered.durationMs = Date.now() - answered.startedAt; // its answer ran until now
    }
    for (const release of this.releases) release();
    this.gw.runtime.log.info("request", record as unknown as Record<string, unknown>); // loggers write (or drop) their fields at once: no copy
    this.gw.observe(record, { scrub: this.scrub, bodies: this.bodies, customCost: this.customCost });
  }

  /** Finishes with what a thrown error says: its status (499 when the client left), or 500. */
  fail(e: unknown) {
    if (e instanceof GatewayError) this.finish({ status: e.status, error: e.message, errorCode: e.code ?? e.type });
    else this.finish({ status: 500, error: String((e as Error)?.message ?? e), errorCode: "internal_error" });
  }
}
