import type { Context } from "hono";
import type { AppEnv } from "./app-env.js";
import { Cancel } from "./cancel.js";
import type { Gateway } from "./gateway.js";
import type { ApiRequest } from "./lifecycle/api-request.js";

/** An API request as the Hono app carries it (every runtime): the body and headers are Hono's, read through its context. */
export function honoApiRequest(gw: Gateway, c: Context<AppEnv>): ApiRequest {
  let cancel: Cancel | undefined;
  let url: URL | undefined;
  return {
    requestId: c.get("requestId"),
    startedAt: c.get("startedAt"),
    method: c.req.method,
    // Parsed only when read (pass-through routes): the URL's own rules for dot segments and escapes.
    get path() {
      return (url ??= new URL(c.req.url)).pathname;
    },
    get search() {
      return (url ??= new URL(c.req.url)).search;
    },
    headers: c.req.raw.headers,
    text: () => c.req.text(),
    bytes: async () => new Uint8Array(await c.req.arrayBuffer()),
    cors: c.get("cors"),
    // The runtime's own watch (Node: the response's close), else the request's signal.
    clientCancel: () => (cancel ??= gw.runtime.watchClient?.(c.env) ?? Cancel.of(c.req.raw.signal)),
  };
}
