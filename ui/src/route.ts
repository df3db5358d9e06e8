/**
 * Hash routes: the server only ever serves /admin/ui, and every page lives after the "#".
 *   #/  overview · #/keys · #/keys/<id> · #/logs · #/logs/<id> · #/health
 */

export type Route =
  | { page: "overview" }
  | { page: "keys" }
  | { page: "key"; id: string }
  | { page: "logs" }
  | { page: "log"; id: string }
  | { page: "health" }
  | { page: "not-found"; path: string };

export type Section = "overview" | "keys" | "logs" | "health";

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The route of a location hash ("#/keys/key_abc", "", "#/logs?x" — a query is ignored). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "").replace(/[?].*$/, "");
  const raw = path.split("/").filter((p) => p !== "");
  const parts = raw.map(decode);
  const notFound: Route = { page: "not-found", path: path || "/" };
  if (parts.some((p) => p === null || p === "")) return notFound;
  const [head, id, ...rest] = parts as string[];
  if (head === undefined) return { page: "overview" };
  if (rest.length > 0) return notFound;
  switch (head) {
    case "keys":
      return id === undefined ? { page: "keys" } : { page: "key", id };
    case "logs":
      return id === undefined ? { page: "logs" } : { page: "log", id };
    case "health":
      return id === undefined ? { page: "health" } : notFound;
    default:
      return notFound;
  }
}

/** The hash that shows a route. */
export function routeHref(r: Route): string {
  switch (r.page) {
    case "overview":
      return "#/";
    case "keys":
    case "logs":
    case "health":
      return `#/${r.page}`;
    case "key":
      return `#/keys/${encodeURIComponent(r.id)}`;
    case "log":
      return `#/logs/${encodeURIComponent(r.id)}`;
    case "not-found":
      return `#${r.path}`;
  }
}

export const keyHref = (id: string) => routeHref({ page: "key", id });
export const logHref = (id: string) => routeHref({ page: "log", id });

/** The nav link a route belongs under; none for a page that is not found. */
export function sectionOf(r: Route): Section | null {
  switch (r.page) {
    case "overview":
      return "overview";
    case "keys":
    case "key":
      return "keys";
    case "logs":
    case "log":
      return "logs";
    case "health":
      return "health";
    default:
      return null;
  }
}

/** A title for the browser tab. */
export function routeTitle(r: Route): string {
  const page = {
    overview: "Overview",
    keys: "Keys",
    key: "Key",
    logs: "Logs",
    log: "Log entry",
    health: "Health",
    "not-found": "Not found",
  }[r.page];
  return `${page} · Strait admin`;
}
