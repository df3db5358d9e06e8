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
 * A streamed answer, remembered with its parts: the Node adapter writes such an answer to the
 * socket itself (functions/node/stream-writer.ts), reading the source directly — no Web stream
 * between, no encoding of the text, and its headers with the first chunk in one write. Elsewhere
 * it is a plain Response. A wrapper that builds a new Response around it (the cache, the body
 * capture) is not remembered, and reads the Response's body like any other runtime.
 */
export function streamedResponse(source: BodySource, status: number, headers: Record<string, string>): Response {
  const res = new Response(readableOf(source), { status, headers });
  built.set(res, { status, headers, source });
  return res;
}

/** An SSE answer (`headers` gains the SSE headers). */
export function sseResponse(source: BodySource, headers: Record<string, string>): Response {
  return streamedResponse(source, 200, Object.assign(headers, SSE_HEADERS));
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

/** The parts of an answer made by streamedResponse or wholeResponse, if `res` is one. */
export function responseParts(res: Response): StreamedParts | WholeParts | undefined {
  return built.get(res);
}

/** The parts of a streamed answer made by streamedResponse, if `res` is one. */
export function streamedParts(res: Response): StreamedParts | undefined {
  const parts = built.get(res);
  return parts && "source" in parts ? parts : undefined;
}
