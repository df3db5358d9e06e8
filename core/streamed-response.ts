/** The headers of every SSE answer the gateway writes itself. */
export const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" };

/** A streamed answer as it was built: what a runtime may write itself rather than through the Response. */
export interface StreamedParts {
  status: number;
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array>;
}

const built = new WeakMap<Response, StreamedParts>();

/**
 * A streamed answer, remembered with its parts: the Node adapter writes such an answer to the
 * socket itself (functions/node/stream-writer.ts), its headers with the first chunk in one write,
 * where a Response's body would have them flushed alone first. Elsewhere it is a plain Response.
 * A wrapper that builds a new Response around it (the cache, the body capture) is not remembered.
 */
export function streamedResponse(body: ReadableStream<Uint8Array>, status: number, headers: Record<string, string>): Response {
  const res = new Response(body, { status, headers });
  built.set(res, { status, headers, body });
  return res;
}

/** An SSE answer (`headers` gains the SSE headers). */
export function sseResponse(body: ReadableStream<Uint8Array>, headers: Record<string, string>): Response {
  return streamedResponse(body, 200, Object.assign(headers, SSE_HEADERS));
}

/** The parts of a streamed answer made by streamedResponse, if `res` is one. */
export function streamedParts(res: Response): StreamedParts | undefined {
  return built.get(res);
}
