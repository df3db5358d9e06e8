import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { tooLarge } from "../errors.js";

/**
 * The request body limit. With a Content-Length the check is one header read: Hono's bodyLimit
 * touches `request.body`, which on Node turns the lightweight request into a full Web Request with
 * a stream (a large share of a proxied call's CPU). Chunked bodies still go through Hono's
 * counting reader, so an endless body is cut off at the limit.
 */
export function bodyGuard(maxBytes: number): MiddlewareHandler {
  const counting = bodyLimit({ maxSize: maxBytes, onError: () => { throw tooLarge(maxBytes); } });
  return (c, next) => {
    const headers = c.req.raw.headers;
    const length = headers.get("content-length");
    if (length !== null && !headers.has("transfer-encoding")) {
      if (Number(length) > maxBytes) throw tooLarge(maxBytes);
      return next();
    }
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.method === "OPTIONS") return next();
    return counting(c, next);
  };
}
