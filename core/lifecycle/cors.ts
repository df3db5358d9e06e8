import type { MiddlewareHandler } from "hono";

/**
 * CORS for the API routes. Headers are added to the finished response (never to `c.res` before the
 * handler runs: Hono then rebuilds the handler's response around its body stream, which on Node
 * turns every answer into a full Web Response — a large share of a proxied call's CPU).
 */
export function cors(origins: readonly string[], exposeHeaders: readonly string[]): MiddlewareHandler {
  const any = origins.includes("*");
  const expose = exposeHeaders.join(",");
  const allowed = (origin: string | undefined) => (any ? "*" : origin && origins.includes(origin) ? origin : undefined);

  return async (c, next) => {
    const allow = allowed(c.req.header("origin"));
    if (c.req.method === "OPTIONS") {
      const headers: Record<string, string> = { "access-control-max-age": "600", "access-control-allow-methods": "GET,HEAD,PUT,POST,DELETE,PATCH" };
      if (allow) headers["access-control-allow-origin"] = allow;
      const requested = c.req.header("access-control-request-headers");
      if (requested) headers["access-control-allow-headers"] = requested;
      if (!any) headers["vary"] = "Origin, Access-Control-Request-Headers";
      return c.body(null, 204, headers);
    }
    await next();
    if (!allow) return;
    const h = c.res.headers;
    h.set("access-control-allow-origin", allow);
    h.set("access-control-expose-headers", expose);
    if (!any) h.append("vary", "Origin");
  };
}
