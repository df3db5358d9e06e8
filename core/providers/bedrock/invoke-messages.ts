import { fromBase64 } from "../../formats/base64.js";
import type { EventStreamMessage } from "../../formats/eventstream.js";
import type { BuiltRequest, CallContext, MessagesAdapter } from "../types.js";
import { bedrockException } from "./converse-response.js";

/** Claude on Bedrock takes Anthropic's body on InvokeModel with this version instead of the header. */
const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/** Claude models: foundation ids ("anthropic.claude-…") and inference profiles ("us.anthropic.claude-…"). */
const isClaude = (model: string) => /(^|\.)anthropic\.claude/.test(model) || /inference-profile\/[^/]*anthropic\.claude/.test(model);

/**
 * Anthropic's Messages API on Bedrock, natively: the client's body over InvokeModel /
 * InvokeModelWithResponseStream (model and stream move to the URL, the betas from the header into
 * the body), so every Claude field reaches the model. The streamed answer is Anthropic's own
 * events, each in an event-stream `chunk` frame.
 */
export const bedrockMessages: MessagesAdapter = {
  accepts: isClaude,
  framing: "aws-eventstream",
  request(body: Record<string, unknown>, ctx: CallContext): BuiltRequest {
    const { model: _model, stream: _stream, ...rest } = body;
    const out: Record<string, unknown> = { ...rest, anthropic_version: BEDROCK_ANTHROPIC_VERSION };
    const betas = ctx.clientHeaders.get("anthropic-beta");
    if (betas) {
      const listed = Array.isArray(rest.anthropic_beta) ? (rest.anthropic_beta as unknown[]).map(String) : [];
      out.anthropic_beta = [...new Set([...listed, ...betas.split(",").map((b) => b.trim()).filter(Boolean)])];
    }
    return {
      path: `/model/${encodeURIComponent(ctx.model)}/${ctx.stream ? "invoke-with-response-stream" : "invoke"}`,
      body: out,
      headers: { accept: ctx.stream ? "application/vnd.amazon.eventstream" : "application/json" },
    };
  },
};

const text = new TextDecoder();

/**
 * One InvokeModelWithResponseStream frame → the Anthropic SSE event it carries ("" for frames that
 * carry none). An exception frame throws, as the gateway's error for the route to end the stream with.
 */
export function invokeFrameToSSE(message: EventStreamMessage): string {
  const kind = message.headers[":message-type"];
  if (kind === "exception" || kind === "error") {
    let body: any;
    try {
      body = JSON.parse(text.decode(message.body));
    } catch {
      body = undefined;
    }
    const type = String(message.headers[":exception-type"] ?? message.headers[":error-code"] ?? "internalServerException");
    throw bedrockException(type, body?.message ?? body?.Message ?? String(message.headers[":error-message"] ?? ""));
  }
  if (message.headers[":event-type"] !== "chunk") return "";
  const payload = JSON.parse(text.decode(message.body)) as { bytes?: string };
  if (typeof payload.bytes !== "string") return "";
  const event = text.decode(fromBase64(payload.bytes));
  const type = (JSON.parse(event) as { type?: unknown }).type;
  return `event: ${typeof type === "string" ? type : "message"}\ndata: ${event}\n\n`;
}
