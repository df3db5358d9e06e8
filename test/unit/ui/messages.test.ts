/** ui/src/messages.ts: what the UI says for an admin API error. */
import { describe, expect, it } from "vitest";
import { ADMIN_DISABLED, ApiError, apiError, errorText, INVALID_TOKEN, isOff, signInMessage } from "../../../ui/src/messages.js";

const body = (message: string, code: string) => JSON.stringify({ error: { message, type: "invalid_request_error", code, param: null } });

describe("apiError", () => {
  it("takes the API's message and code", () => {
    const e = apiError(400, body("Invalid value for 'rpm': must be at least 1", "invalid_value"));
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.message, e.code]).toEqual([400, "Invalid value for 'rpm': must be at least 1", "invalid_value"]);
  });

  it("a body that is not the API's error: the status speaks", () => {
    expect(apiError(502, "<html>Bad gateway</html>", "Bad Gateway").message).toBe("The gateway answered 502 Bad Gateway.");
    expect(apiError(500, '{"error":"x"}').message).toBe("The gateway answered 500.");
  });
});

describe("signInMessage", () => {
  it("a 401 is a wrong token; a 404 admin_disabled says how to turn the admin API on", () => {
    expect(signInMessage(apiError(401, body("The admin token is not valid.", "invalid_admin_token")))).toBe(INVALID_TOKEN);
    expect(INVALID_TOKEN).toBe("That admin token is not valid.");
    expect(signInMessage(apiError(404, body("The admin API is disabled on this gateway: set STRAIT_ADMIN_TOKEN to enable it.", "admin_disabled")))).toBe(ADMIN_DISABLED);
    expect(ADMIN_DISABLED).toBe("The admin API is off: set STRAIT_ADMIN_TOKEN on the gateway and reload.");
  });

  it("anything else: the API's message, or why the gateway could not be reached", () => {
    expect(signInMessage(apiError(503, body("The store is unavailable.", "store_unavailable")))).toBe("The store is unavailable.");
    expect(signInMessage(new TypeError("Failed to fetch"))).toBe("Could not reach the gateway: Failed to fetch");
    expect(errorText("plain")).toBe("plain");
  });
});

describe("isOff", () => {
  it("is the 404 with that code only", () => {
    expect(isOff(apiError(404, body("Analytics are off", "analytics_disabled")), "analytics_disabled")).toBe(true);
    expect(isOff(apiError(404, body("No key", "key_not_found")), "analytics_disabled")).toBe(false);
    expect(isOff(new Error("x"), "analytics_disabled")).toBe(false);
  });
});
