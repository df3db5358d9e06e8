import type { GatewayError } from "../../errors.js";
import type { AnthropicErrorBody } from "./types.js";
import { wholeResponse } from "../../response-parts.js";

/** HTTP status → Anthropic's error type, as Anthropic's own API pairs them. */
const TYPES: ReadonlyMap<number, string> = new Map([
  [400, "invalid_request_error"],
  [401, "authentication_error"],
  [402, "billing_error"],
  [403, "permission_error"],
  [404, "not_found_error"],
  [413, "request_too_large"],
  [429, "rate_limit_error"],
  [500, "api_error"],
  [502, "api_error"],
  [503, "overloaded_error"],
  [504, "timeout_error"],
  [529, "overloaded_error"],
]);

/** Other 4xx statuses are invalid_request_error (Anthropic says so for the 4xx it doesn't list); the rest api_error. */
export function anthropicErrorType(status: number): string {
  return TYPES.get(status) ?? (status >= 400 && status < 500 ? "invalid_request_error" : "api_error");
}

/** A gateway error in Anthropic's shape. Anthropic has no `param`, so it joins the message when the message doesn't name it. */
export function anthropicErrorBody(e: GatewayError): AnthropicErrorBody {
  const message = e.param && !e.message.includes(e.param) ? `${e.message} (${e.param})` : e.message;
  return { type: "error", error: { type: anthropicErrorType(e.status), message } };
}

/** core/errors.ts errorResponse, in Anthropic's shape, for the /v1/messages routes. */
export function anthropicErrorResponse(e: GatewayError, extraHeaders?: Record<string, string>): Response {
  return wholeResponse(JSON.stringify(anthropicErrorBody(e)), e.status, { "content-type": "application/json", ...e.headers, ...extraHeaders });
}
