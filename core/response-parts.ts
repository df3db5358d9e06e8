/** The headers of every SSE answer the gateway writes itself. */
export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

/**
 * A streamed answer's body, read one piece at a time: the text a route wrote (its SSE) or bytes
 * passed on as they came. Nothing is read ahead of the client.
 */
export interface BodySource {
  /** The next piece, or undefined at the end. Rejects when the body fails: the connection must then be cut. */
  read(): Promise<string | Uint8Array | undefined>;
  /** The client left. */
  cancel(): Promise<void>;
}

/** A streamed answer as it was built: what a runtime may write itself rather than through the Response. */
export interface StreamedParts {
  status: number;
  headers: Record<string, string>;
  source: BodySource;
}

/** An answer whose body is all there (JSON, an error), as it was built. */
export interface WholeParts {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

const encoder = new TextEncoder();
const built = new WeakMap<Response, StreamedParts | WholeParts>();

/** A body source as a Web stream, for whatever reads a Response's body: one piece a pull, none ahead. */
export function readableOf(source: BodySource): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const piece = await source.read();
        if (piece === undefined) return controller.close();
        controller.enqueue(typeof piece === "string" ? encoder.encode(piece) : piece);
      },
      cancel: () => source.cancel(),
    },
    { highWaterMark: 0 },
  );
}

/**
 * A streamed answer, as its parts: no Response and no Web stream is made for it until something
 * asks for one (asResponse). The Node adapter never does: it writes the source to the socket
 * itself (functions/node/answer-writer.ts) — no Web stream between (whose constructor alone costs
 * Node about 30 µs), no encoding of the text, and its headers with the first chunk in one write.
 */
export function streamedAnswer(source: BodySource, status: number, headers: Record<string, string>): StreamedParts {
  return { status, headers, source };
}

/** An SSE answer (`headers` gains the SSE headers). */
export function sseAnswer(source: BodySource, headers: Record<string, string>): StreamedParts {
  return streamedAnswer(source, 200, Object.assign(headers, SSE_HEADERS));
}

/** What an API call answers: a Response, or a streamed answer's parts. */
export type ApiAnswer = Response | StreamedParts;

/**
 * An answer as a Response: a streamed one's body a Web stream over its source. It is remembered
 * with its parts, so a runtime that writes parts itself still can. A wrapper that builds a new
 * Response around it (the cache, the body capture) is not remembered, and is read like any other.
 */
export function asResponse(answer: ApiAnswer): Response {
  if (!("source" in answer)) return answer;
  const res = new Response(readableOf(answer.source), { status: answer.status, headers: answer.headers });
  built.set(res, answer);
  return res;
}

/**
 * An answer whose body is all there, remembered with its parts: the Node adapter writes it to the
 * socket as it is (functions/node/direct-api.ts) rather than read it back out of the Response.
 * Its headers are final: set none on `res.headers` afterwards.
 */
export function wholeResponse(body: string | Uint8Array, status: number, headers: Record<string, string>): Response {
  const res = new Response(body as BodyInit, { status, headers });
  built.set(res, { status, headers, body });
  return res;
}

/** The parts of an answer: a streamed one's own, or those a Response was made with by asResponse or wholeResponse. */
export function responseParts(answer: ApiAnswer): StreamedParts | WholeParts | undefined {
  return "source" in answer ? answer : built.get(answer);
}

/** The parts of a streamed answer, if `answer` is one (as itself, or as a Response made by asResponse). */
export function streamedParts(answer: ApiAnswer): StreamedParts | undefined {
  const parts = responseParts(answer);
  return parts && "source" in parts ? parts : undefined;
}
