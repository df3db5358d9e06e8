/** What the UI says for an API error. No DOM here. */

export const INVALID_TOKEN = "That admin token is not valid.";
export const ADMIN_DISABLED = "The admin API is off: set STRAIT_ADMIN_TOKEN on the gateway and reload.";

/** An answer from the admin API that was not a 2xx. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** The ApiError for a status and a body: the API's {"error":{"message","code"}} when it sent one. */
export function apiError(status: number, body: string, statusText = ""): ApiError {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown; code?: unknown } };
    const message = j?.error?.message;
    const code = j?.error?.code;
    if (typeof message === "string" && message !== "") return new ApiError(status, message, typeof code === "string" ? code : null);
  } catch {
    // Not JSON: a proxy's page, say. The status speaks for it.
  }
  return new ApiError(status, `The gateway answered ${status}${statusText ? ` ${statusText}` : ""}.`);
}

/** What the sign-in form says for a failed check of the token. */
export function signInMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 401) return INVALID_TOKEN;
    if (e.status === 404 && e.code === "admin_disabled") return ADMIN_DISABLED;
    return e.message;
  }
  return errorText(e);
}

/** Any error thrown by a call, as one sentence. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof TypeError) return `Could not reach the gateway: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** True for the 404 a gateway answers when a feature is off: analytics_disabled, logs_disabled. */
export const isOff = (e: unknown, code: string) => e instanceof ApiError && e.status === 404 && e.code === code;
