import { GatewayError, upstreamError } from "../errors.js";
import { concatBytes } from "../formats/bytes.js";
import { framings } from "../formats/framing.js";
import { OpenAISSERelay } from "../formats/openai-sse-relay.js";
import { OpenAIStreamTranslator } from "../formats/openai-stream.js";
import { SSEDecoder } from "../formats/sse.js";
import type { StreamAdapter, StreamPart } from "../providers/types.js";
import type { Usage } from "../types.js";
import type { Answer } from "../upstream/attempt-loop.js";
import type { BodySource } from "../response-parts.js";

const DONE = "data: [DONE]\n\n";
const encoder = new TextEncoder();

/** What one read sends: the upstream's bytes that go on unchanged, then the text translated after them. */
function piece(verbatim: Uint8Array | undefined, text: string): string | Uint8Array {
  if (!verbatim?.length) return text;
  return text ? concatBytes([verbatim, encoder.encode(text)]) : verbatim;
}

/**
 * What the client's stream says, in its API's wire format, given the OpenAI chunks the provider's
 * translator made: OpenAI SSE (the default), Anthropic's events, the Responses API's events.
 */
export interface StreamWriter {
  /** Chunks → wire text (possibly ""). A usage-only chunk the client did not ask for is already dropped. */
  write(parts: StreamPart[]): string;
  /** The upstream finished the answer. */
  end(): string;
  /** A failure after the answer started: the final event; the stream closes after it. */
  fail(error: GatewayError): string;
}

/** OpenAI's SSE: each chunk as a data line, `[DONE]` at the end, an error object on failure. */
export const openAIWriter = (): StreamWriter => ({
  write(parts) {
    let out = "";
    for (const part of parts) out += `data: ${part.plain ? part.raw : (part.raw ?? JSON.stringify(part.chunk))}\n\n`;
    return out;
  },
  end: () => DONE,
  fail: (error) => `data: ${JSON.stringify(error)}\n\n`,
});

/** The output guardrails between the provider's chunks and the writer (guardrails/chunk-guard.ts). */
export interface ChunkFilter {
  /** Parts in, parts to send now out; throws a GatewayError to end the stream with it. */
  push(parts: StreamPart[]): StreamPart[];
  /** The upstream ended: what was held, once the checks on the whole answer passed. */
  finish(): Promise<StreamPart[]>;
}

export interface StreamEnd {
  usage?: Usage;
  error?: GatewayError;
  /** The client went away before the end. */
  cancelled?: boolean;
}

/**
 * The upstream's stream, as OpenAI SSE for the client, one upstream read at a time (nothing is
 * buffered beyond the event being decoded). Usage is collected on the way; the usage chunk the
 * gateway asked for on the client's behalf is dropped; a failure mid-stream — a broken
 * connection, an upstream gone silent, an error event, an event that is not JSON — ends with an
 * error event (its text passed through `scrub`) and no [DONE], so a client never mistakes a cut
 * answer for a whole one.
 */
export function clientStream(
  answer: Answer,
  adapter: StreamAdapter,
  scrub: (text: string) => string,
  onEnd: (end: StreamEnd) => void,
  customWriter?: StreamWriter,
  guard?: ChunkFilter,
): BodySource {
  const { ctx, body: upstream } = answer;
  // The attempt's clock covers the wait for the headers; from here the idle clock watches the stream.
  answer.timer.settle();
  const decoder = framings[adapter.framing]!();
  const translator = adapter.translator(ctx, answer.state);
  const writer = customWriter ?? openAIWriter();
  // OpenAI's SSE in, OpenAI's SSE out, nothing to hold back: plain deltas go on as the upstream's bytes.
  const relay = !customWriter && !guard && decoder instanceof SSEDecoder && translator instanceof OpenAIStreamTranslator ? new OpenAISSERelay(decoder, translator) : undefined;
  let usage: Usage | undefined;
  let finished = false;

  const finish = (end: StreamEnd) => {
    if (finished) return;
    finished = true;
    onEnd({ usage, ...end });
  };

  // Usage is kept on the way; the usage chunk the gateway asked for on the client's behalf is dropped.
  const encode = (parts: StreamPart[]): string => {
    let kept = parts;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part.plain || !part.chunk.usage) continue;
      usage = part.chunk.usage;
      if (!ctx.clientWantsUsage && part.chunk.choices.length === 0) kept = kept === parts ? parts.filter((p) => p !== part) : kept.filter((p) => p !== part);
    }
    if (guard && kept.length) kept = guard.push(kept);
    return kept.length ? writer.write(kept) : "";
  };

  let closed = false;
  return {
    async read() {
      if (closed) return undefined;
      // What this read translated before a failure still reaches the client, ahead of the error event.
      let text = "";
      let verbatim: Uint8Array | undefined;
      try {
        for (;;) {
          const { done, value } = await upstream.next();
          if (done) {
            for (const ev of decoder.flush()) text += encode(translator.push(ev));
            text += encode(translator.end());
            if (guard) {
              const rest = await guard.finish();
              if (rest.length) text += writer.write(rest);
            }
            text += writer.end();
            closed = true;
            finish({});
            return text || undefined;
          }
          const relayed = relay?.split(value);
          if (relayed) verbatim = relayed.verbatim;
          for (const ev of relayed ? relayed.rest : decoder.push(value)) text += encode(translator.push(ev));
          // An upstream read that completed no event produces nothing; read on rather than send "".
          if (text || verbatim?.length) return piece(verbatim, text);
        }
      } catch (e) {
        closed = true;
        if (finished) return undefined; // cancelled: the client is gone, nothing more to send
        const error = e instanceof GatewayError ? e : upstreamError(502, `The upstream connection failed mid-stream: ${(e as Error)?.message ?? e}`, "upstream_stream_error");
        const clean = new GatewayError(error.status, scrub(error.message), error.type, error.code, error.param);
        answer.timer.abort();
        upstream.stop();
        finish({ error: clean });
        return piece(verbatim, text + writer.fail(clean));
      }
    },
    async cancel() {
      // First, so a read that fails because of this abort is not recorded as an upstream error.
      finish({ cancelled: true });
      closed = true;
      answer.timer.abort();
      await upstream.return();
    },
  };
}
