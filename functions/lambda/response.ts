/**
 * The core's Response → Lambda: streamed through `awslambda.HttpResponseStream` (Function URLs in
 * RESPONSE_STREAM mode), or read whole into a result object (API Gateway, ALB, buffered URLs).
 */
import { pipeline } from "node:stream/promises";
import type { Writable } from "node:stream";
import type { Logger } from "../../core/runtime.js";
import { isAlb, isV2, type HttpEvent } from "./event.js";
import { namesEvents, STREAM_FAILED, streamErrorEvent } from "../stream-error.js";

export interface Prelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

/** `awslambda.HttpResponseStream.from`: wraps the response stream so the prelude goes first. */
export type HttpResponseStreamFrom = (stream: Writable, prelude: Prelude) => Writable;

/** Meaningful for one connection only (RFC 9110 §7.6.1); Lambda's front end frames the response itself. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);

/** Status, headers (hop-by-hop and Set-Cookie removed) and cookies, as Lambda wants them. */
export function preludeOf(response: Response, opts: { streaming: boolean }): Prelude {
  const headers: Record<string, string> = {};
  const named = new Set(
    (response.headers.get("connection") ?? "")
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  response.headers.forEach((value, name) => {
    if (name === "set-cookie" || HOP_BY_HOP.has(name) || named.has(name)) return;
    // A streamed body's length is Lambda's business (it sends chunks); a stale length would cut it.
    if (opts.streaming && name === "content-length") return;
    headers[name] = value;
  });
  return { statusCode: response.status, headers, cookies: response.headers.getSetCookie() };
}

/**
 * The body as it arrives. If reading it fails after the prelude has gone, an event stream ends
 * with an error event in its own style (functions/stream-error.ts); other bodies just end. Returning early (the writer failed) cancels the body, which aborts the upstream.
 */
async function* bodyChunks(body: ReadableStream<Uint8Array>, isEventStream: boolean, log: Logger): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  let named: boolean | undefined;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (e) {
        done = true;
        log.error("response body failed mid-stream", { error: String((e as Error)?.message ?? e) });
        if (isEventStream) yield streamErrorEvent(STREAM_FAILED, named ?? false);
        return;
      }
      if (chunk.done) {
        done = true;
        return;
      }
      if (!chunk.value.byteLength) continue;
      if (named === undefined && isEventStream) named = namesEvents(chunk.value);
      yield chunk.value;
    }
  } finally {
    if (!done) reader.cancel().catch(() => {});
  }
}

/**
 * Streams `response` to Lambda with backpressure (pipeline waits on each write's drain). Never
 * throws: a failure of the response stream itself (the runtime connection) is logged, and the body
 * is cancelled so the upstream call stops.
 */
export async function sendStreaming(response: Response, responseStream: Writable, from: HttpResponseStreamFrom, log: Logger): Promise<void> {
  const out = from(responseStream, preludeOf(response, { streaming: true }));
  try {
    // The prelude is written on the first write: an empty one sends status and headers now,
    // even when the body is empty or slow to start.
    out.write(new Uint8Array(0));
    if (!response.body) {
      await endOf(out);
      return;
    }
    const isEventStream = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
    await pipeline(bodyChunks(response.body, isEventStream, log), out);
  } catch (e) {
    log.warn("response stream closed early", { error: String((e as Error)?.message ?? e) });
    response.body?.cancel().catch(() => {});
    if (!out.destroyed) out.destroy();
  }
}

function endOf(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once("error", reject);
    out.end(() => resolve());
  });
}

/** Content types sent as text; everything else travels base64-encoded. */
const TEXTUAL = /^(text\/|application\/(json|[\w.+-]+\+json|x-ndjson|javascript|xml|[\w.+-]+\+xml|x-www-form-urlencoded)\b)/i;

export interface BufferedResult {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

/** The whole response as the result object of the event's integration (payload 2.0, 1.0 or ALB). */
export async function toBufferedResult(response: Response, event: HttpEvent): Promise<BufferedResult> {
  const { statusCode, headers, cookies } = preludeOf(response, { streaming: false });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const textual = bytes.byteLength === 0 || TEXTUAL.test(response.headers.get("content-type") ?? "");
  const body = textual ? new TextDecoder().decode(bytes) : Buffer.from(bytes).toString("base64");
  const result: BufferedResult = { statusCode, body, isBase64Encoded: !textual };

  if (isV2(event)) return { ...result, headers, cookies };
  if (isAlb(event)) {
    // node:http (and node:net with it) loads only for an ALB, the one integration that needs a reason phrase.
    const { STATUS_CODES } = await import("node:http");
    result.statusDescription = `${statusCode} ${STATUS_CODES[statusCode] ?? ""}`.trim();
  }
  if (event.multiValueHeaders || !isAlb(event)) {
    // REST APIs merge both maps; an ALB with multi-value headers on reads only multiValueHeaders.
    const multi: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(headers)) multi[k] = [v];
    if (cookies.length) multi["set-cookie"] = cookies;
    return { ...result, multiValueHeaders: multi };
  }
  // An ALB without multi-value headers can carry one Set-Cookie only.
  if (cookies.length) headers["set-cookie"] = cookies[cookies.length - 1]!;
  return { ...result, headers };
}
