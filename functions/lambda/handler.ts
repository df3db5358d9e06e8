/**
 * The gateway as Lambda handlers. Everything expensive (secrets, config, the Hono app) is built on
 * the first invoke and cached for the life of the execution environment; module scope stays small.
 */
import type { Writable } from "node:stream";
import { Cancel } from "../../core/cancel.js";
import { configFileFromEnv, loadConfig } from "../../core/config.js";

/**
 * Lambda refuses an invocation whose event is over 6 MB (6,291,456 bytes) with its own 413
 * before the function runs; the event also carries the headers, and a binary body arrives
 * base64-encoded (a third larger). So by default the gateway takes what can reach it whole:
 * bodies to 6 MB less 256 KB for the rest of the event; larger ones never arrive.
 */
export const LAMBDA_MAX_BODY_BYTES = 6 * 1024 * 1024 - 256 * 1024;
import { errorResponse, GatewayError } from "../../core/errors.js";
import type { CallObserver } from "../../core/gateway.js";
import { fetchClient, type HttpClient } from "../../core/http.js";
import type { Env, Logger } from "../../core/runtime.js";
import type { Store } from "../../core/store/types.js";
import { emfLine } from "../../core/telemetry/emf.js";
import { announceAccess, buildGateway, DeferredWork, type App } from "../boot.js";
import { toRequest, type HttpEvent } from "./event.js";
import { sendStreaming, toBufferedResult, type BufferedResult, type HttpResponseStreamFrom } from "./response.js";
import { loadSecrets, type SecretReader } from "./secrets.js";

/** The parts of the Lambda context object the gateway uses. */
export interface LambdaContext {
  getRemainingTimeInMillis?(): number;
  awsRequestId?: string;
  callbackWaitsForEmptyEventLoop?: boolean;
}

export interface LambdaGatewayOptions {
  env: Env;
  log: Logger;
  /** Reads STRAIT_SECRET_ARN; defaults to Secrets Manager. */
  readSecret?: SecretReader;
  /** The config file's JSON; defaults to STRAIT_CONFIG_JSON. */
  configFile?: (env: Env) => unknown;
  /** The store for this environment (DynamoDB on AWS); none = keys, limits and cache are off. */
  store?: (env: Env, log: Logger) => Store | undefined | Promise<Store | undefined>;
  http?: HttpClient;
  /** Extra observers of each finished call (metrics); they run as deferred work. */
  observers?: CallObserver[];
  /** Where CloudWatch Embedded Metric Format lines go (default: stdout, which Lambda sends to CloudWatch Logs). */
  emitMetrics?: (line: string) => void;
  /** Serve this instead of the gateway app (adapter tests). */
  fetch?: (request: Request, defer: (work: Promise<unknown>) => void) => Response | Promise<Response>;
}

export interface LambdaGateway {
  /** For `awslambda.streamifyResponse`: Function URLs in RESPONSE_STREAM mode. */
  streaming(event: HttpEvent, responseStream: Writable, context: LambdaContext | undefined, from: HttpResponseStreamFrom): Promise<void>;
  /** API Gateway (REST or HTTP API) and ALB: the whole response as one result (6 MB at most). */
  buffered(event: HttpEvent, context?: LambdaContext): Promise<BufferedResult>;
  /** Deferred work still running (tests). */
  readonly pending: number;
}

/** Time kept back from the function's deadline when waiting for deferred work. */
const DEADLINE_MARGIN_MS = 1_000;

/**
 * How long before the deadline an answer still running is cut: Lambda would kill it mid-write,
 * with no end to the stream and no usage recorded. Cut here, the stream ends with an error event,
 * and the deferred work (usage, spend) has DEADLINE_MARGIN_MS and more to run.
 */
const CUT_BEFORE_DEADLINE_MS = 3_000;

/** What the app is handed with each request (Hono's env): the invocation's cancellation. */
interface InvocationEnv {
  cancel?: Cancel;
}

/**
 * A Cancel that aborts the request CUT_BEFORE_DEADLINE_MS before the function's deadline. A
 * streaming function is never told that its client left, so the deadline is the one end Lambda
 * offers a call whose answer runs long; the core stops the upstream call with the reason given.
 * It reaches the core as the app's env (the runtime's watchClient), not as the Request's signal:
 * that one follows the signal it was made with through a weak reference, and a collection while
 * the answer streams (the Request no longer held) lost the cut.
 */
function deadlineCancel(context: LambdaContext | undefined): { cancel?: Cancel; clear(): void } {
  const left = context?.getRemainingTimeInMillis?.();
  if (left === undefined) return { clear() {} };
  const cancel = new Cancel();
  const timer = setTimeout(
    () => cancel.abort(new GatewayError(504, "The answer was cut short: the gateway's Lambda function reached its time limit. Raise the function's timeout for longer answers.", "api_error", "function_timeout")),
    Math.max(0, left - CUT_BEFORE_DEADLINE_MS),
  );
  return { cancel, clear: () => clearTimeout(timer) };
}

export function createLambdaGateway(opts: LambdaGatewayOptions): LambdaGateway {
  const { log } = opts;
  const work = new DeferredWork(log);
  const defer = work.defer;
  let app: Promise<App> | undefined;

  async function build() {
    const secrets = await loadSecrets(opts.env.STRAIT_SECRET_ARN, opts.readSecret);
    const env: Env = { ...opts.env, ...secrets };
    // Fail closed: a deployed function is never an open gateway.
    const config = loadConfig((opts.configFile ?? configFileFromEnv)(env), env, { allowOpen: false, defaultMaxBodyBytes: LAMBDA_MAX_BODY_BYTES });
    const store = await opts.store?.(env, log);
    const observers = [...(opts.observers ?? [])];
    // On Lambda, metrics are EMF lines in the function's log: CloudWatch turns them into metrics, no API call.
    if (config.telemetry.emf.enabled ?? true) {
      const emit = opts.emitMetrics ?? ((line: string) => void process.stdout.write(`${line}\n`));
      const namespace = config.telemetry.emf.namespace;
      observers.push((record) => emit(emfLine(record, { namespace })));
    }
    const watchClient = (invocation: unknown) => (invocation as InvocationEnv | undefined)?.cancel;
    const { gateway, app } = buildGateway(config, { http: opts.http ?? fetchClient, defer, log, env, store, watchClient }, observers);
    defer(announceAccess(gateway, "lambda"));
    return app;
  }

  /** The app, built once; a failed build is retried on the next invoke. */
  const getApp = () =>
    (app ??= build().catch((e) => {
      app = undefined;
      throw e;
    }));

  async function respond(request: Request, cancel: Cancel | undefined): Promise<Response> {
    if (opts.fetch) return opts.fetch(request, defer);
    let a;
    try {
      a = await getApp();
    } catch (e) {
      // The detail (which variable, which secret) goes to the log, not to the caller.
      log.error("gateway initialisation failed", { error: String((e as Error)?.message ?? e) });
      return errorResponse(new GatewayError(500, "The gateway is not configured correctly; see the function's logs.", "api_error", "gateway_misconfigured"));
    }
    return a.fetch(request, { cancel } satisfies InvocationEnv);
  }

  /** The gateway's answer to one event; an event that can't be read as a request gets a 400. */
  async function answer(event: HttpEvent, cancel?: Cancel): Promise<Response> {
    try {
      return await respond(toRequest(event, cancel?.signal), cancel);
    } catch (e) {
      log.error("request failed", { error: String((e as Error)?.message ?? e) });
      return errorResponse(new GatewayError(400, "The request could not be read.", "invalid_request_error", "bad_request"));
    }
  }

  /** Waits for deferred work (logs, counters), but never past the function's deadline. */
  async function drain(context: LambdaContext | undefined) {
    const left = context?.getRemainingTimeInMillis?.();
    const budget = left === undefined ? Infinity : Math.max(0, left - DEADLINE_MARGIN_MS);
    if (!(await work.drained(budget))) log.warn("deferred work cut short by the function's deadline", { pending: work.pending });
  }

  return {
    get pending() {
      return work.pending;
    },

    async streaming(event, responseStream, context, from) {
      const deadline = deadlineCancel(context);
      try {
        const response = await answer(event, deadline.cancel);
        await sendStreaming(response, responseStream, from, log);
      } finally {
        deadline.clear();
        await drain(context);
      }
    },

    async buffered(event, context) {
      const deadline = deadlineCancel(context);
      try {
        const response = await answer(event, deadline.cancel);
        try {
          return await toBufferedResult(response, event);
        } catch (e) {
          // The body failed while being read whole (an upstream cut mid-answer).
          log.error("response body failed", { error: String((e as Error)?.message ?? e) });
          const failed = new GatewayError(502, "The upstream answer failed before the end.", "api_error", "upstream_stream_error");
          return await toBufferedResult(errorResponse(failed), event);
        }
      } finally {
        deadline.clear();
        await drain(context);
      }
    },
  };
}

interface AwsLambdaGlobal {
  streamifyResponse<H>(handler: H, options?: { highWaterMark?: number }): H;
  HttpResponseStream: { from: HttpResponseStreamFrom };
}

/**
 * The exported handlers over one gateway. `awslambda` is the global the Node.js runtime (and
 * aws-lambda-ric) defines before loading the handler module.
 */
export function lambdaHandlers(gw: LambdaGateway) {
  const awslambda = (globalThis as { awslambda?: AwsLambdaGlobal }).awslambda;
  const streaming = async (event: HttpEvent, responseStream: Writable, context: LambdaContext): Promise<void> => {
    if (!awslambda) throw new Error("streamHandler needs the Lambda Node.js runtime (the awslambda global).");
    // The invocation ends when the handler returns (deferred work is awaited inside it), not when the
    // event loop is empty: a keep-alive socket or a cache timer must not hold every invocation open.
    context.callbackWaitsForEmptyEventLoop = false;
    await gw.streaming(event, responseStream, context, (stream, prelude) => awslambda.HttpResponseStream.from(stream, prelude));
  };
  return {
    streamHandler: awslambda ? awslambda.streamifyResponse(streaming) : streaming,
    handler: (event: HttpEvent, context: LambdaContext) => {
      context.callbackWaitsForEmptyEventLoop = false;
      return gw.buffered(event, context);
    },
  };
}
