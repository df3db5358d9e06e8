import { type GatewayError, badRequest, upstreamError } from "../errors.js";
import type { UpstreamRequest } from "../http.js";
import type { CallContext, ChatAdapter } from "../providers/types.js";
import type { Answer } from "../upstream/attempt-loop.js";

/**
 * What the routes that translate to chat completions (/v1/messages, /v1/responses) share: the
 * provider's chat adapter, the upstream request around a built body, the JSON answer read whole.
 */

export function chatAdapter(ctx: CallContext, path: string): ChatAdapter {
  const chat = ctx.provider.chat;
  if (!chat) throw badRequest(`Provider "${ctx.providerName}" does not serve ${path}.`, "model", "unsupported_endpoint");
  return chat;
}

export function upstreamRequest(ctx: CallContext, path: string, body: unknown, stream: boolean, extra?: Record<string, string>, method: "POST" | "GET" = "POST"): UpstreamRequest {
  return {
    url: ctx.baseUrl + path,
    method,
    headers: { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json", ...ctx.config.headers, ...extra },
    body: method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** The whole JSON answer, under the attempt's clock; 502 when it is not JSON. */
export async function readJson(answer: Answer): Promise<any> {
  let bytes: Uint8Array;
  try {
    bytes = await answer.body.bytes();
  } finally {
    answer.timer.release();
  }
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw upstreamError(502, `Provider "${answer.ctx.providerName}" sent a response that is not JSON.`, "bad_upstream_response");
  }
}

export const notAnAnswer = (ctx: CallContext, path: string): GatewayError =>
  upstreamError(502, `Provider "${ctx.providerName}" answered 200 with a body that is not a ${path} answer.`, "bad_upstream_response");
