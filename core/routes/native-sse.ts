import { GatewayError, upstreamError } from "../errors.js";
import { type BodySource, streamedAnswer, type StreamedParts } from "../response-parts.js";
import { SSEDecoder, type SSEEvent } from "../formats/sse.js";
import type { Call } from "../lifecycle/call.js";
import type { Answer } from "../upstream/attempt-loop.js";
import { SSEUsageScanner } from "../usage/scanners.js";

/** What differs between the native streams the gateway relays (Anthropic's, the Responses API's). */
export interface NativeSSE {
  /** An upstream read as the client's SSE bytes (Bedrock's frames become events here); undefined: nothing yet. */
  translate?(bytes: Uint8Array): Uint8Array | undefined;
  /** At the upstream's end, whatever the translation still held. */
  flush?(): Uint8Array | undefined;
  /** Each event on its way to the client. */
  saw(event: SSEEvent): void;
  /** Throws when the stream ended without its final event (a cut, not an answer). */
  ended(): void;
  /** The route's own error event, the stream's last. */
  errorEvent(error: GatewayError): string;
  /** After the call finished whole (not cut, not cancelled): keep what it produced. */
  completed?(): void;
}

/** The output guardrails on a native stream's events (guardrails/event-guard.ts). */
export interface EventFilter {
  push(ev: SSEEvent): SSEEvent[];
  finish(): Promise<SSEEvent[]>;
}

/** An event as SSE text (data split on its newlines, as the format wants). */
function encodeEvent(ev: SSEEvent): string {
  let out = ev.event ? `event: ${ev.event}\n` : "";
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  for (const line of ev.data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * A provider's stream relayed in the client's own API, one upstream read at a time (nothing
 * buffered), its events watched and its usage read on the way. A failure after the start — a
 * reset, a silent upstream, an error event, a stream cut before its final event — ends it with the
 * route's error event, so a cut answer never looks whole.
 */
export function relayNativeSSE(answer: Answer, call: Call, route: NativeSSE, headers: Record<string, string>, guard?: EventFilter): StreamedParts {
  answer.timer.settle();
  const upstream = answer.body;
  const events = new SSEDecoder();
  const usage = new SSEUsageScanner();
  // Without a guard the bytes go on as they came; with one, each event is read, guarded and written anew.
  const watch = (bytes: Uint8Array): string => {
    usage.push(bytes);
    let out = "";
    for (const ev of events.push(bytes)) {
      route.saw(ev);
      if (guard) for (const e of guard.push(ev)) out += encodeEvent(e);
    }
    return out;
  };
  const finish = (error?: string, cancelled = false) => {
    if (call.done) return;
    call.finish({ usage: usage.end(), status: cancelled ? 499 : 200, error: cancelled ? "client closed the stream" : error });
    if (!error && !cancelled) route.completed?.();
  };

  let closed = false;
  const source: BodySource = {
    async read() {
      if (closed) return undefined;
      try {
        for (;;) {
          const { done, value } = await upstream.next();
          if (done) {
            closed = true;
            const rest = route.flush?.();
            let text = rest ? watch(rest) : "";
            if (guard) {
              for (const ev of events.flush()) {
                route.saw(ev);
                for (const e of guard.push(ev)) text += encodeEvent(e);
              }
            }
            route.ended();
            let last: string | Uint8Array | undefined = rest;
            if (guard) {
              for (const e of await guard.finish()) text += encodeEvent(e);
              last = text || undefined;
            }
            finish(usage.failed ? "the provider's stream ended with an error event" : undefined);
            return last;
          }
          const bytes = route.translate ? route.translate(value) : value;
          if (!bytes) continue;
          const text = watch(bytes);
          if (!guard) return bytes;
          if (text) return text;
        }
      } catch (e) {
        closed = true;
        if (call.done) return undefined; // cancelled: the client is gone
        const error = call.scrubbed(e instanceof GatewayError ? e : upstreamError(502, `The upstream connection failed mid-stream: ${(e as Error)?.message ?? e}`, "upstream_stream_error"));
        answer.timer.abort();
        upstream.stop();
        finish(error.message);
        return route.errorEvent(error);
      }
    },
    async cancel() {
      finish(undefined, true);
      closed = true;
      answer.timer.abort();
      await upstream.return();
    },
  };
  return streamedAnswer(source, 200, headers);
}
