import { openAIStreamTranslator } from "../formats/openai-stream.js";
import type { Call } from "../lifecycle/call.js";
import { clientStream } from "../lifecycle/chat-stream.js";
import { readableOf } from "../response-parts.js";
import type { Answer } from "../upstream/attempt-loop.js";
import type { UpstreamHttpError } from "../upstream/failure.js";
import { invokeModelHeaderUsage, usageOf } from "../usage/normalize.js";
import { EventStreamUsageScanner, JsonArrayUsageScanner, SSEUsageScanner } from "../usage/scanners.js";

/**
 * A native call's answer (pass-through, universal endpoint), relayed as the provider gave it:
 * status, selected headers, body bytes, usage read on the way.
 */

/**
 * Provider answer headers the client sees. Hop-by-hop, encoding and cookie headers never pass,
 * nor the account behind the gateway's key (openai-organization, anthropic-organization-id).
 */
const RESPONSE_HEADERS = new Set([
  "content-type",
  "content-disposition",
  "retry-after",
  "request-id",
  "x-amzn-requestid",
  "apim-request-id",
  "x-ms-region",
  "openai-processing-ms",
  "openai-version",
]);
const RESPONSE_HEADER_PREFIXES = ["x-amzn-bedrock-"];
/**
 * The provider's rate-limit headers describe the account of the key used. They reach the caller
 * only when that key is the caller's own: the gateway's key is shared, and on the gateway's key
 * x-ratelimit-* are the gateway's own limits for the caller (set by the limits stage).
 */
const OWN_KEY_HEADER_PREFIXES = ["x-ratelimit-", "anthropic-ratelimit-"];

export interface NativeAnswerOptions {
  /** The answer goes through the OpenAI stream translator (to drop the usage chunk the gateway asked for). */
  translate: boolean;
  /** A streaming method whose answer may be JSON sent bit by bit (Gemini's streamGenerateContent without alt=sse). */
  streamingMethod: boolean;
}

/** The provider's answer, as it came: status, selected headers, body bytes (read whole for JSON, streamed otherwise). */
export async function relay(answer: Answer, call: Call, req: NativeAnswerOptions, gatewayHeaders: Record<string, string>): Promise<Response> {
  const { res, timer } = answer;
  const headers = answerHeaders(res.headers, answer.ctx.credential.source === "client", gatewayHeaders);
  const status = res.status;
  const type = (res.headers["content-type"] ?? "").toLowerCase();
  const headerUsage = invokeModelHeaderUsage(res.headers);

  if (status === 204 || status === 205 || status === 304) {
    await answer.body.return();
    timer.release();
    call.finish({ status });
    return new Response(null, { status, headers });
  }

  if (req.translate && type.startsWith("text/event-stream")) {
    call.record.stream = true;
    const source = clientStream(answer, { framing: "sse", translator: openAIStreamTranslator }, (t) => call.scrub(t), (end) =>
      call.finish({ status: end.cancelled ? 499 : status, usage: end.usage, error: end.error?.message }),
    );
    headers.set("content-type", "text/event-stream; charset=utf-8");
    return new Response(readableOf(source), { status, headers });
  }

  // JSON is read whole, except a streaming method's (Gemini's streamGenerateContent without alt=sse sends a JSON array bit by bit).
  if (isJson(type) && !req.streamingMethod) {
    let bytes: Uint8Array;
    try {
      bytes = await answer.body.bytes();
    } finally {
      timer.release();
    }
    let usage = headerUsage;
    if (!usage) {
      try {
        usage = usageOf(JSON.parse(new TextDecoder().decode(bytes)));
      } catch {
        // Not JSON after all: no usage, the bytes still go on.
      }
    }
    call.finish({ status, usage });
    return new Response(bytes as BodyInit, { status, headers });
  }

  call.record.stream = true;
  timer.settle(); // the time-to-headers clock ends here; the idle clock and the client's abort still apply
  const scanner = type.startsWith("text/event-stream")
    ? new SSEUsageScanner()
    : type.startsWith("application/vnd.amazon.eventstream")
      ? new EventStreamUsageScanner()
      : isJson(type)
        ? new JsonArrayUsageScanner()
        : undefined;
  const upstream = answer.body;
  const end = (error?: string, cancelled = false) => {
    if (call.done) return;
    const usage = scanner?.end() ?? headerUsage;
    if (!error && scanner && "failed" in scanner && scanner.failed) error = "the provider's stream ended with an error event";
    call.finish({ status: cancelled ? 499 : status, usage, error: cancelled ? "client closed the stream" : error });
  };
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await upstream.next();
          if (done) {
            controller.close();
            end();
            return;
          }
          scanner?.push(value);
          controller.enqueue(value);
        } catch (e) {
          if (call.done) return;
          // The answer was already started in the provider's own format: all that is left is to cut it, as the upstream did.
          controller.error(e);
          timer.abort();
          end(`upstream stream failed: ${(e as Error)?.message ?? e}`);
        }
      },
      async cancel() {
        // Recorded first: aborting fails the read still pending in pull(), which must not count as an upstream failure.
        end(undefined, true);
        timer.abort();
        await upstream.return();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status, headers });
}
/** An upstream's final non-2xx answer, relayed: its own body, scrubbed; an HTML page (a proxy's, a load balancer's) never — the gateway's own error names it. */
export function nativeError(e: UpstreamHttpError, call: Call, gatewayHeaders: Record<string, string>): Response {
  const { status, headers, text, html, ownKey } = e.upstream;
  if (html || !text) return new Response(JSON.stringify(call.scrubbed(e)), { status, headers: { "content-type": "application/json", ...gatewayHeaders } });
  return new Response(text, { status, headers: answerHeaders(headers, ownKey, gatewayHeaders) });
}

/** The provider's answer headers the client may see (see RESPONSE_HEADERS). */
function answerHeaders(upstream: Record<string, string>, ownKey: boolean, gatewayHeaders: Record<string, string>): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(upstream)) {
    if (RESPONSE_HEADERS.has(k) || RESPONSE_HEADER_PREFIXES.some((p) => k.startsWith(p)) || (ownKey && OWN_KEY_HEADER_PREFIXES.some((p) => k.startsWith(p)))) headers.set(k, v);
  }
  // The gateway's own x-request-id names this call; the provider's travels beside it.
  if (upstream["x-request-id"]) headers.set("x-upstream-request-id", upstream["x-request-id"]);
  // The gateway's own (request id, its x-ratelimit-* for the caller) win over the provider's.
  for (const name in gatewayHeaders) headers.set(name, gatewayHeaders[name]!);
  return headers;
}

export const isJson = (type: string) => type.startsWith("application/json") || /^application\/[^;]*\+json/.test(type);
