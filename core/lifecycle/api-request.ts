import type { Cancel } from "../cancel.js";
import type { RequestHeaders } from "../http.js";

/**
 * An API request as the lifecycle and the routes read it: plain values, whichever way it came in.
 * Through Hono (every runtime; core/hono-request.ts) or straight from node:http (the Node adapter's
 * API routes, functions/node/direct-api.ts), where a Web Request, Hono's context and its
 * middleware chain would cost more than the gateway's own stages.
 */
export interface ApiRequest {
  readonly requestId: string;
  /** Date.now() when it arrived. */
  readonly startedAt: number;
  /** Upper case. */
  readonly method: string;
  /** The URL's path as the router saw it, and its query ("?…" or ""). */
  readonly path: string;
  readonly search: string;
  readonly headers: RequestHeaders;
  /** The body, read once and within the gateway's size limit (either call may come first, and again). */
  text(): Promise<string>;
  bytes(): Promise<Uint8Array>;
  /** The CORS headers its answer carries: a browser's request from an allowed origin (lifecycle/cors.ts). */
  readonly cors: Record<string, string> | undefined;
  /** Aborts when the client leaves. Made on first use; the same one after. */
  clientCancel(): Cancel;
}
