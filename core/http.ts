/**
 * How the core talks to upstreams. Each runtime hands in its fastest client: Workers and Lambda
 * use the platform fetch (fetchClient below); the Node adapter uses undici's dispatcher (functions/node/http-client.ts).
 */
import type { Cancel } from "./cancel.js";

/**
 * A client request's headers as the core reads them: a Web `Headers`, or on Node a view of
 * node:http's own header object (functions/node/request-headers.ts), so no Headers is built per
 * request. Names are case-insensitive, as in Headers.
 */
export type RequestHeaders = Pick<Headers, "get" | "has" | "forEach">;

export interface UpstreamRequest {
  url: string;
  method: "GET" | "POST" | "PUT" | "DELETE";
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborts the request (the client left, the attempt's clock ran out). */
  cancel?: Cancel;
}

export interface UpstreamResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text(): Promise<string>;
  bytes(): Promise<Uint8Array>;
  /** The body as it arrives. Breaking out of the loop releases the connection. */
  chunks(): AsyncIterable<Uint8Array>;
}

export type HttpClient = (req: UpstreamRequest) => Promise<UpstreamResponse>;

export const fetchClient: HttpClient = async (req) => {
  const res = await fetch(req.url, {
    method: req.method,
    headers: req.headers,
    body: req.body as BodyInit | undefined,
    signal: req.cancel?.signal,
  });
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return {
    status: res.status,
    headers,
    text: () => res.text(),
    bytes: async () => new Uint8Array(await res.arrayBuffer()),
    chunks: () => readerChunks(res.body),
  };
};

async function* readerChunks(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
