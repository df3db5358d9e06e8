import type { MiddlewareHandler } from "hono";

/**
 * CORS for the API routes. Only a request with an Origin is a CORS request (browsers send it on
 * every cross-origin call), so only its answer carries the headers. An API call (lifecycle/stages.ts)
 * takes them from `c.get("cors")` into its answer's own headers; any other answer gets them set on
 * the finished response (never on `c.res` before the handler runs: Hono then rebuilds the handler's
 * response around its body stream, which on Node turns every answer into a full Web Response).
 * Reading `c.res.headers` on Node builds a Headers object (~25 µs), which is why an API call does not.
 */
export function cors(origins: readonly string[], exposeHeaders: readonly string[]): MiddlewareHandler {
  const any = origins.includes("*");
  const expose = exposeHeaders.join(",");
  const allowed = (origin: string | undefined) => (any ? "*" : origin && origins.includes(origin) ? origin : undefined);

  return (c, next) => {
    const origin = c.req.header("origin");
    const allow = origin === undefined ? undefined : allowed(origin);
    if (c.req.method === "OPTIONS") {
      const headers: Record<string, string> = { "access-control-max-age": "600", "access-control-allow-methods": "GET,HEAD,PUT,POST,DELETE,PATCH" };
      if (allow) headers["access-control-allow-origin"] = allow;
      const requested = c.req.header("access-control-request-headers");
      if (requested) headers["access-control-allow-headers"] = requested;
      if (!any) headers["vary"] = "Origin, Access-Control-Request-Headers";
      return Promise.resolve(c.body(null, 204, headers));
    }
    // Not async: the common case (no Origin) adds no promise of its own to the request.
    if (!allow) return next();
    c.set("cors", { "access-control-allow-origin": allow, "access-control-expose-headers": expose, ...(any ? {} : { vary: "Origin" }) });
    return next().then(() => {
      if (c.get("answered")) return;
      const h = c.res.headers;
      h.set("access-control-allow-origin", allow);
      h.set("access-control-expose-headers", expose);
      if (!any) h.append("vary", "Origin");
    });
  };
}
