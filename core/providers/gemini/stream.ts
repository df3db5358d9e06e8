import { upstreamError } from "../../errors.js";
import type { SSEEvent } from "../../formats/sse.js";
import { parseStreamJson } from "../../formats/stream-json.js";
import type { ChatChunk } from "../../types.js";
import type { CallContext, StreamPart, StreamTranslator } from "../types.js";
import { finishReason } from "./mappings.js";
import { geminiUsage } from "../../usage/normalize.js";
import { functionCall, geminiErrorMessage, readPart, type GeminiUsage } from "./response.js";

type Delta = ChatChunk["choices"][number]["delta"];

interface Choice {
  tools: number;
  finished: boolean;
}

/**
 * streamGenerateContent?alt=sse → OpenAI chunks. Each event is a whole GenerateContentResponse;
 * there is no end marker, so the stream is complete only once every candidate has a finishReason.
 * A function call arrives whole in one part: it becomes one tool-call delta with all its arguments.
 */
export function geminiStreamTranslator(ctx: Pick<CallContext, "model">): StreamTranslator<SSEEvent> {
  const created = Math.floor(Date.now() / 1000);
  let id = "";
  let responseId = "";
  let model = ctx.model;
  let usage: GeminiUsage = {};
  const choices = new Map<number, Choice>();

  const chunk = (index: number, delta: Delta, finish: string | null = null): StreamPart => ({
    chunk: { id, object: "chat.completion.chunk", created, model, choices: [{ index, delta, finish_reason: finish, logprobs: null }] },
  });
  const choice = (index: number, out: StreamPart[]): Choice => {
    let c = choices.get(index);
    if (!c) {
      choices.set(index, (c = { tools: 0, finished: false }));
      out.push(chunk(index, { role: "assistant", content: "" }));
    }
    return c;
  };

  return {
    push(ev) {
      const data = parseStreamJson(ev.data, "Gemini");
      if (data?.error) throw upstreamError(502, `Gemini reported an error mid-stream: ${geminiErrorMessage(data) ?? "unknown error"}`, "upstream_stream_error");
      if (!id) {
        responseId = data.responseId ?? "";
        id = responseId ? `chatcmpl-${responseId}` : `chatcmpl-${crypto.randomUUID()}`;
      }
      if (data.modelVersion) model = data.modelVersion;
      if (data.usageMetadata) usage = data.usageMetadata;

      const out: StreamPart[] = [];
      const candidates: any[] = data.candidates ?? [];
      if (candidates.length === 0 && data.promptFeedback?.blockReason) {
        const c = choice(0, out);
        if (!c.finished) {
          c.finished = true;
          out.push(chunk(0, {}, "content_filter"));
        }
      }
      for (const [i, cand] of candidates.entries()) {
        const index = cand.index ?? i;
        const c = choice(index, out);
        for (const p of cand.content?.parts ?? []) {
          const part = readPart(p);
          if (!part) continue;
          if ("content" in part) out.push(chunk(index, { content: part.content }));
          else if ("reasoning" in part) out.push(chunk(index, { reasoning_content: part.reasoning }));
          else {
            const position = c.tools++;
            const call = functionCall(responseId, index, position, part.call);
            out.push(chunk(index, { tool_calls: [{ index: position, ...call }] }));
          }
        }
        if (cand.finishReason && !c.finished) {
          c.finished = true;
          out.push(chunk(index, {}, finishReason(cand.finishReason, c.tools > 0)));
        }
      }
      return out;
    },
    end() {
      const all = [...choices.values()];
      if (all.length === 0 || all.some((c) => !c.finished)) throw upstreamError(502, "The Gemini stream ended before a finishReason: the answer is incomplete.", "upstream_truncated");
      return [{ chunk: { id, object: "chat.completion.chunk", created, model, choices: [], usage: geminiUsage(usage as Record<string, unknown>) } }];
    },
  };
}
