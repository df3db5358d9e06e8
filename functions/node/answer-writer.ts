import type { ServerResponse } from "node:http";
import { type ApiAnswer, type BodySource, responseParts } from "../../core/response-parts.js";
import { writeStreamed } from "./stream-writer.js";

/**
 * Any answer the core made, written to a node:http response. A streamed answer's parts, or a
 * Response built with its parts (a route's JSON, an error: core/response-parts.ts), are written
 * from them, with no Web stream or Response read; any other Response (a cache or body-capture
 * wrapper, a pass-through's) through its body stream, never buffered.
 */
export function writeAnswer(answer: ApiAnswer, out: ServerResponse): Promise<void> | void {
  const parts = responseParts(answer);
  if (parts && "source" in parts) return writeStreamed(parts, out);
  if (parts) return writeWhole(parts.status, parts.headers, parts.body, out);
  const res = answer as Response;
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  if (!res.body) return writeWhole(res.status, headers, undefined, out);
  return writeStreamed({ status: res.status, headers, source: readerSource(res.body) }, out);
}

function writeWhole(status: number, headers: Record<string, string>, body: string | Uint8Array | undefined, out: ServerResponse): void {
  if (out.destroyed) return;
  // Given, so Node sends the body with its length rather than chunked (writeHead fixes the framing).
  if (body !== undefined && headers["content-length"] === undefined) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
  out.writeHead(status, headers);
  out.end(body);
}

function readerSource(body: ReadableStream<Uint8Array>): BodySource {
  const reader = body.getReader();
  return {
    read: () => reader.read().then((r) => (r.done ? undefined : r.value)),
    cancel: () => reader.cancel(),
  };
}
