import { describe, expect, it } from "vitest";
import { GatewayError, badRequest, rateLimited, upstreamError } from "../../../../core/errors.js";
import { estimateTokens } from "../../../../core/formats/anthropic/count-tokens.js";
import { anthropicErrorBody, anthropicErrorResponse, anthropicErrorType } from "../../../../core/formats/anthropic/errors.js";
import { fixtureJson } from "../../../helpers/fixtures.js";

describe("Anthropic errors", () => {
  it.each([
    [400, "invalid_request_error"],
    [401, "authentication_error"],
    [402, "billing_error"],
    [403, "permission_error"],
    [404, "not_found_error"],
    [409, "invalid_request_error"],
    [413, "request_too_large"],
    [422, "invalid_request_error"],
    [429, "rate_limit_error"],
    [500, "api_error"],
    [502, "api_error"],
    [503, "overloaded_error"],
    [504, "timeout_error"],
    [529, "overloaded_error"],
    [599, "api_error"],
  ])("status %i → %s", (status, type) => {
    expect(anthropicErrorType(status)).toBe(type);
  });

  it("the body joins the param when the message doesn't name it", () => {
    expect(anthropicErrorBody(badRequest("messages[0].role must be one of …", "messages[0].role"))).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "messages[0].role must be one of …" },
    });
    expect(anthropicErrorBody(new GatewayError(400, "Bad value.", "invalid_request_error", null, "top_k")).error.message).toBe("Bad value. (top_k)");
    expect(anthropicErrorBody(upstreamError(529, "busy")).error.type).toBe("overloaded_error");
  });

  it("the response keeps the error's headers (retry-after) and adds the caller's", async () => {
    const r = anthropicErrorResponse(rateLimited("Slow down.", 3), { "x-request-id": "r1" });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("3");
    expect(r.headers.get("x-request-id")).toBe("r1");
    expect(await r.json()).toEqual({ type: "error", error: { type: "rate_limit_error", message: "Slow down." } });
  });
});

describe("estimateTokens", () => {
  it("about four characters a token, plus overhead per message", () => {
    const text = "word ".repeat(400); // 2000 characters
    const n = estimateTokens({ model: "m", max_tokens: 1, messages: [{ role: "user", content: text }] });
    expect(n).toBeGreaterThan(500);
    expect(n).toBeLessThan(530);
  });

  it("counts system, tools and messages; an image is flat, not its base64", () => {
    const small = estimateTokens({ messages: [{ role: "user", content: "hi" }] });
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "A".repeat(4_000_000) } };
    const withImage = estimateTokens({ messages: [{ role: "user", content: [image, { type: "text", text: "hi" }] }] });
    expect(withImage - small).toBeGreaterThan(1600);
    expect(withImage - small).toBeLessThan(1650);
    expect(estimateTokens({ system: "s".repeat(400), messages: [] })).toBeGreaterThanOrEqual(100);
    expect(estimateTokens({ tools: [{ name: "t", input_schema: { description: "d".repeat(4000) } }], messages: [] })).toBeGreaterThan(1000);
  });

  it("a Claude Code request lands in a plausible range, and odd bodies don't throw", () => {
    const n = estimateTokens(fixtureJson("anthropic-inbound/claude-code.json"));
    expect(n).toBeGreaterThan(1000);
    expect(n).toBeLessThan(4000);
    expect(estimateTokens(null)).toBe(0);
    expect(estimateTokens({ messages: "x" })).toBeGreaterThan(0);
    let deep: any = "leaf";
    for (let i = 0; i < 100_000; i++) deep = { content: [deep] };
    expect(estimateTokens({ messages: [deep] })).toBeGreaterThan(100_000);
  });
});
