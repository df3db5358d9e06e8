import type { MiddlewareHandler } from "hono";

const RATE_LIMIT_HEADERS = ["requests", "tokens"].flatMap((k) => [`x-ratelimit-limit-${k}`, `x-ratelimit-remaining-${k}`, `x-ratelimit-reset-${k}`]);
/** The answer headers a browser's script may read. */
const EXPOSED_HEADERS = ["x-request-id", "cf-aig-log-id", "cf-aig-step", "cf-aig-cache-status", "x-strait-guardrails", "cf-aig-dlp", "retry-after", "retry-after-ms", ...RATE_LIMIT_HEADERS];

/** Which browser origins may call the API (config `cors.origins`, "*" for any), and the headers their answers carry. */
export interface CorsPolicy {
  /** The headers for an answer to a request with this Origin; undefined when there is none or it is not allowed. */
  answerHeaders(origin: string | null | undefined): Record<string, string> | undefined;
  /** The answer to a preflight (OPTIONS) request's headers. */
  preflightHeaders(origin: string | null | undefined, requestedHeaders: string | null | undefined): Record<string, string>;
}

export function corsPolicy(origins: readonly string[]): CorsPolicy {
  const any = origins.includes("*");
  const expose = EXPOSED_HEADERS.join(",");
  const allowed = (origin: string | null | undefined) => (any ? "*" : origin && origins.includes(origin) ? origin : undefined);
  return {
    answerHeaders(origin) {
      // Only a request with an Origin is a CORS request (browsers send it on every cross-origin call).
      const allow = origin == null ? undefined : allowed(origin);
      if (!allow) return undefined;
      return { "access-control-allow-origin": allow, "access-control-expose-headers": expose, ...(any ? {} : { vary: "Origin" }) };
    },
    preflightHeaders(origin, requested) {
      const headers: Record<string, string> = { "access-control-max-age": "600", "access-control-allow-methods": "GET,HEAD,PUT,POST,DELETE,PATCH" };
      const allow = origin == null ? undefined : allowed(origin);
      if (allow) headers["access-control-allow-origin"] = allow;
      if (requested) headers["access-control-allow-headers"] = requested;
      if (!any) headers["vary"] = "Origin, Access-Control-Request-Headers";
      return headers;
    },
  };
}

/**
 * CORS for the API paths in the Hono app. An API call (lifecycle/stages.ts) takes the headers from
 * `c.get("cors")` into its answer's own headers; any other answer gets them set on the finished
 * response (never on `c.res` before the handler runs: Hono then rebuilds the handler's response
 * around its body stream, which on Node turns every answer into a full Web Response). Reading
 * `c.res.headers` on Node builds a Headers object (~25 µs), which is why an API call does not.
 */
export function cors(policy: CorsPolicy): MiddlewareHandler {
  return (c, next) => {
    const origin = c.req.header("origin");
    if (c.req.method === "OPTIONS") return Promise.resolve(c.body(null, 204, policy.preflightHeaders(origin, c.req.header("access-control-request-headers"))));
    const headers = policy.answerHeaders(origin);
    // Not async: the common case (no Origin) adds no promise of its own to the request.
    if (!headers) return next();
    c.set("cors", headers);
    return next().then(() => {
      if (c.get("answered")) return;
      const h = c.res.headers;
      for (const name in headers) {
        if (name === "vary") h.append(name, headers[name]!);
        else h.set(name, headers[name]!);
      }
    });
  };
}
