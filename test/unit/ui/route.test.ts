/** ui/src/route.ts: the hash routes of the admin UI. */
import { describe, expect, it } from "vitest";
import { keyHref, logHref, parseRoute, routeHref, routeTitle, sectionOf, type Route } from "../../../ui/src/route.js";

describe("parseRoute", () => {
  it("reads every page", () => {
    expect(parseRoute("")).toEqual({ page: "overview" });
    expect(parseRoute("#")).toEqual({ page: "overview" });
    expect(parseRoute("#/")).toEqual({ page: "overview" });
    expect(parseRoute("#/keys")).toEqual({ page: "keys" });
    expect(parseRoute("#/keys/")).toEqual({ page: "keys" });
    expect(parseRoute("#/keys/key_abc")).toEqual({ page: "key", id: "key_abc" });
    expect(parseRoute("#/logs")).toEqual({ page: "logs" });
    expect(parseRoute("#/logs/01J0000000000000000000000A")).toEqual({ page: "log", id: "01J0000000000000000000000A" });
    expect(parseRoute("#/health")).toEqual({ page: "health" });
  });

  it("decodes ids, ignores a query, tolerates a missing leading slash", () => {
    expect(parseRoute("#/keys/a%20b")).toEqual({ page: "key", id: "a b" });
    expect(parseRoute("#/logs?model=x")).toEqual({ page: "logs" });
    expect(parseRoute("#keys")).toEqual({ page: "keys" });
  });

  it("anything else is not found", () => {
    expect(parseRoute("#/nope")).toEqual({ page: "not-found", path: "/nope" });
    expect(parseRoute("#/keys/a/b")).toMatchObject({ page: "not-found" });
    expect(parseRoute("#/health/x")).toMatchObject({ page: "not-found" });
    expect(parseRoute("#/keys/%E0%A4%A")).toMatchObject({ page: "not-found" });
  });
});

describe("routeHref", () => {
  it("is parseRoute's inverse", () => {
    const routes: Route[] = [{ page: "overview" }, { page: "keys" }, { page: "key", id: "key_a/b c" }, { page: "logs" }, { page: "log", id: "01ABC" }, { page: "health" }];
    for (const r of routes) expect(parseRoute(routeHref(r))).toEqual(r);
  });

  it("writes the hashes the brief names", () => {
    expect(routeHref({ page: "overview" })).toBe("#/");
    expect(keyHref("key_abc")).toBe("#/keys/key_abc");
    expect(logHref("01ABC")).toBe("#/logs/01ABC");
    expect(routeHref({ page: "health" })).toBe("#/health");
  });
});

describe("sectionOf and routeTitle", () => {
  it("a detail page belongs under its list's nav link", () => {
    expect(sectionOf({ page: "key", id: "k" })).toBe("keys");
    expect(sectionOf({ page: "log", id: "l" })).toBe("logs");
    expect(sectionOf({ page: "overview" })).toBe("overview");
    expect(sectionOf({ page: "not-found", path: "/x" })).toBeNull();
  });

  it("titles the tab", () => {
    expect(routeTitle({ page: "logs" })).toBe("Logs · Strait admin");
  });
});
