import { GatewayError, errorResponse, internalError } from "./errors.js";
import { anthropicErrorResponse } from "./formats/anthropic/errors.js";
import type { Logger } from "./runtime.js";

/**
 * A request's failure as its answer, in the shape of the API it called: Anthropic's on
 * /v1/messages, OpenAI's everywhere else. An error the gateway did not mean (not a GatewayError)
 * is logged and answered as a 500 that says nothing of it.
 */
export function errorAnswer(log: Logger, err: unknown, path: string, headers: Record<string, string>): Response {
  const render = path.startsWith("/v1/messages") ? anthropicErrorResponse : errorResponse;
  if (err instanceof GatewayError) return render(err, headers);
  log.error("unhandled error", { requestId: headers["x-request-id"], error: String((err as Error)?.message ?? err) });
  return render(internalError(), headers);
}
