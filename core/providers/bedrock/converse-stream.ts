import { toUtf8 } from "@smithy/util-utf8";
import { upstreamError } from "../../errors.js";
import type { EventStreamMessage } from "../../formats/eventstream.js";
import { parseStreamJson } from "../../formats/stream-json.js";
import type { ChatChunk } from "../../types.js";
import type { CallContext, StreamPart, StreamTranslator } from "../types.js";
import type { ConverseCallState } from "./converse-request.js";
import { bedrockException, finishReason, usageOf } from "./converse-response.js";

/**
 * ConverseStream events → OpenAI chunks: messageStart gives the role chunk, text / tool input /
 * reasoning deltas follow (tool calls numbered in the order they start, not by Bedrock's block
 * index), messageStop gives the finish_reason chunk, and the `metadata` event after it the usage
 * chunk (always emitted; the core drops it when the client did not ask for it).
 */
export function converseStreamTranslator(ctx: CallContext, state: ConverseCallState): StreamTranslator<EventStreamMessage> {
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = ctx.model;
  /** Bedrock contentBlockIndex → OpenAI tool_calls index; -1 marks the forced JSON tool, whose input is content. */
  const toolIndex = new Map<number, number>();
  let nextTool = 0;
  let stopped = false;

  const chunk = (delta: ChatChunk["choices"][number]["delta"], finish: string | null = null): StreamPart => ({
    chunk: { id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] },
  });

  return {
    push(message) {
      const kind = message.headers[":message-type"];
      if (kind === "exception") {
        const body = parse(message);
        throw bedrockException(String(message.headers[":exception-type"] ?? "unknownException"), body?.message ?? body?.Message);
      }
      if (kind === "error") {
        throw bedrockException(String(message.headers[":error-code"] ?? "internalServerException"), String(message.headers[":error-message"] ?? ""));
      }
      if (kind !== undefined && kind !== "event") return [];

      const ev = parse(message);
      switch (message.headers[":event-type"]) {
        case "messageStart":
          return [chunk({ role: "assistant", content: "" })];
        case "contentBlockStart": {
          const tool = ev?.start?.toolUse;
          if (!tool) return [];
          if (state.jsonTool && tool.name === state.jsonTool) {
            toolIndex.set(ev.contentBlockIndex, -1);
            return [];
          }
          const index = nextTool++;
          toolIndex.set(ev.contentBlockIndex, index);
          return [chunk({ tool_calls: [{ index, id: String(tool.toolUseId), type: "function", function: { name: String(tool.name), arguments: "" } }] })];
        }
        case "contentBlockDelta": {
          const d = ev?.delta ?? {};
          if (typeof d.text === "string") return d.text ? [chunk({ content: d.text })] : [];
          if (d.toolUse) {
            const input = String(d.toolUse.input ?? "");
            let index = toolIndex.get(ev.contentBlockIndex);
            if (index === -1) return input ? [chunk({ content: input })] : [];
            if (index === undefined) toolIndex.set(ev.contentBlockIndex, (index = nextTool++));
            return [chunk({ tool_calls: [{ index, function: { arguments: input } }] })];
          }
          if (typeof d.reasoningContent?.text === "string" && d.reasoningContent.text) return [chunk({ reasoning_content: d.reasoningContent.text })];
          return [];
        }
        case "messageStop":
          stopped = true;
          return [chunk({}, finishReason(ev?.stopReason, state))];
        case "metadata": {
          const usage = usageOf(ev?.usage);
          if (!usage) return [];
          return [{ chunk: { id, object: "chat.completion.chunk", created, model, choices: [], usage } }];
        }
        default:
          return [];
      }
    },
    end() {
      if (!stopped) throw upstreamError(502, 'Provider "aws-bedrock" ended the stream before messageStop: the answer is incomplete.', "upstream_truncated");
      return [];
    },
  };
}

function parse(message: EventStreamMessage): any {
  if (message.body.length === 0) return {};
  return parseStreamJson(toUtf8(message.body), 'Provider "aws-bedrock"', "an event-stream message");
}
