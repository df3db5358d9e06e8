import OpenAI from "openai";
import type { GatewayError } from "../../../../core/errors.js";
import { ChatToResponsesStream, type ResponseContext } from "../../../../core/formats/responses/index.js";
import { SSEDecoder } from "../../../../core/formats/sse.js";
import type { StreamTranslator } from "../../../../core/providers/types.js";

export const ctx = (request: Record<string, unknown> = { model: "gpt-4o-mini", input: "Hi" }, namespaces: ResponseContext["namespaces"] = {}): ResponseContext => ({
  id: "resp_test123",
  createdAt: 1762732801,
  request,
  namespaces,
});

/** Upstream SSE bytes (cut into `pieces`) → a provider's stream translator → chat chunks → Responses SSE text. */
export function responsesSSE(upstream: StreamTranslator, context: ResponseContext, pieces: Uint8Array[]): { text: string; stream: ChatToResponsesStream } {
  const decoder = new SSEDecoder();
  const stream = new ChatToResponsesStream(context);
  let text = "";
  const take = (parts: ReturnType<StreamTranslator["push"]>) => {
    for (const p of parts) text += stream.push(p.chunk);
  };
  try {
    for (const piece of pieces) for (const ev of decoder.push(piece)) take(upstream.push(ev));
    for (const ev of decoder.flush()) take(upstream.push(ev));
    take(upstream.end());
    text += stream.end();
  } catch (e) {
    text += stream.error(e as GatewayError);
  }
  return { text, stream };
}

/** Responses SSE text → its events' JSON, each checked to name its own type in `event:`. */
export function events(text: string): any[] {
  const out: any[] = [];
  const decoder = new SSEDecoder();
  for (const ev of [...decoder.pushText(text), ...decoder.flush()]) {
    const data = JSON.parse(ev.data);
    if (ev.event !== data.type) throw new Error(`event: ${ev.event} carries a ${data.type} payload`);
    out.push(data);
  }
  return out;
}

/** The official SDK, answered by `body` whatever it asks. */
export const sdk = (body: string, contentType: string) =>
  new OpenAI({ apiKey: "x", baseURL: "http://x", maxRetries: 0, fetch: async () => new Response(body, { headers: { "content-type": contentType } }) });
