import { wholeResponse } from "./response-parts.js";

/** Every error a client sees is OpenAI-shaped: {"error":{"message","type","code","param"}}. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON() {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }
}

export const badRequest = (message: string, param: string | null = null, code = "invalid_request") =>
  new GatewayError(400, message, "invalid_request_error", code, param);
export const unauthorized = (message: string, code = "invalid_api_key") =>
  new GatewayError(401, message, "authentication_error", code);
export const forbidden = (message: string, code = "permission_denied") =>
  new GatewayError(403, message, "permission_error", code);
export const notFound = (message: string, code = "not_found", param: string | null = null) =>
  new GatewayError(404, message, "invalid_request_error", code, param);
export const tooLarge = (limit: number) =>
  new GatewayError(413, `Request body is larger than the gateway's limit of ${limit} bytes.`, "invalid_request_error", "request_too_large");
export const rateLimited = (message: string, retryAfterSeconds: number, code = "rate_limit_exceeded") =>
  new GatewayError(429, message, "rate_limit_error", code, null, { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const upstreamError = (status: number, message: string, code = "upstream_error") =>
  new GatewayError(status, message, status === 504 ? "timeout_error" : "api_error", code);
export const serviceUnavailable = (message: string, code = "service_unavailable") =>
  new GatewayError(503, message, "api_error", code);

export const internalError = () =>
  new GatewayError(500, "The gateway failed to handle this request.", "api_error", "internal_error");

export function errorResponse(err: GatewayError, extraHeaders?: Record<string, string>): Response {
  return wholeResponse(JSON.stringify(err), err.status, { "content-type": "application/json", ...err.headers, ...extraHeaders });
}
