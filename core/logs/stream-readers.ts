import { fromBase64 } from "../formats/base64.js";
import type { EventStreamMessage } from "../formats/eventstream.js";
import type { AssembledAnswer } from "./assembled-answer.js";

/**
 * How each wire format's events add to the answer. The events come from upstreams and clients'
 * providers: every field is checked for its type before it is used, and an unknown event adds nothing.
 */

/** One parsed JSON event into the answer. */
export type JsonEventReader = (event: Record<string, any>, answer: AssembledAnswer) => void;

const str = (value: unknown): string => (typeof value === "string" ? value : "");
const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const isObject = (value: unknown): value is Record<string, any> => typeof value === "object" && value !== null && !Array.isArray(value);
/** A choice's or tool call's index, or its position when the wire gave none usable. */
const indexOr = (value: unknown, position: number): number => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : position);

/** "kind: message" from the error objects providers send (OpenAI's, Anthropic's, Gemini's, the Responses API's). */
export function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  if (!isObject(error)) return "unknown error";
  const message = str(error.message) || str(error.Message);
  const kind = str(error.type) || str(error.status) || str(error.code);
  if (!message) return JSON.stringify(error);
  return kind ? `${kind}: ${message}` : message;
}

/** Chat Completions chunks: choices[].delta by choice index, tool calls by their own index. */
export const readChat: JsonEventReader = (event, answer) => {
  if (event.error) return answer.fail(errorText(event.error));
  for (const [position, choice] of list(event.choices).entries()) {
    const index = indexOr(choice?.index, position);
    answer.openChoice(index);
    const delta = isObject(choice?.delta) ? choice.delta : {};
    // reasoning_content (DeepSeek, the gateway's own chunks); reasoning (OpenRouter, vLLM).
    answer.add(index, "reasoning", "reasoning", str(delta.reasoning_content) || str(delta.reasoning));
    answer.add(index, "text", "text", str(delta.content));
    for (const [n, call] of list(delta.tool_calls).entries()) {
      const key = String(indexOr(call?.index, n));
      answer.call(index, key, str(call?.id), str(call?.function?.name));
      answer.addArguments(index, key, str(call?.function?.arguments));
    }
  }
};

/** Legacy Completions chunks: choices[].text. */
export const readCompletions: JsonEventReader = (event, answer) => {
  if (event.error) return answer.fail(errorText(event.error));
  for (const [position, choice] of list(event.choices).entries()) {
    const index = indexOr(choice?.index, position);
    answer.openChoice(index);
    answer.add(index, "text", "text", str(choice?.text));
  }
};

/** Messages events, by content block: text, thinking, and tool use (the client's tools, server and MCP tools alike). */
export const readAnthropic: JsonEventReader = (event, answer) => {
  const key = String(event.index);
  if (event.type === "content_block_start") {
    const block = isObject(event.content_block) ? event.content_block : {};
    if (block.type === "text") answer.add(0, "text", key, str(block.text));
    else if (block.type === "thinking") answer.add(0, "reasoning", key, str(block.thinking));
    else if (str(block.type).endsWith("tool_use")) {
      answer.call(0, key, str(block.id), str(block.name));
      // Streamed tool input starts as {} and arrives in input_json_delta; a block may also come whole.
      if (isObject(block.input) && Object.keys(block.input).length > 0) answer.addArguments(0, key, JSON.stringify(block.input));
    }
  } else if (event.type === "content_block_delta") {
    const delta = isObject(event.delta) ? event.delta : {};
    if (delta.type === "text_delta") answer.add(0, "text", key, str(delta.text));
    else if (delta.type === "thinking_delta") answer.add(0, "reasoning", key, str(delta.thinking));
    else if (delta.type === "input_json_delta") answer.addArguments(0, key, str(delta.partial_json));
  } else if (event.type === "error") {
    answer.fail(errorText(event.error));
  }
};

/**
 * Responses API events, by output index: the deltas build the answer, an item's done event
 * replaces that item, and the final response (completed, incomplete or failed) replaces it all.
 */
export const readResponses: JsonEventReader = (event, answer) => {
  const key = String(event.output_index);
  switch (event.type) {
    case "response.output_text.delta":
      return answer.add(0, "text", key, str(event.delta));
    case "response.reasoning_summary_text.delta":
    case "response.reasoning_text.delta":
      return answer.add(0, "reasoning", key, str(event.delta));
    case "response.function_call_arguments.delta":
    case "response.custom_tool_call_input.delta":
      return answer.addArguments(0, key, str(event.delta));
    case "response.function_call_arguments.done":
      return answer.setArguments(0, key, str(event.arguments));
    case "response.custom_tool_call_input.done":
      return answer.setArguments(0, key, str(event.input));
    case "response.output_item.added":
      return readItem(event.item, key, answer, false);
    case "response.output_item.done":
      return readItem(event.item, key, answer, true);
    case "response.completed":
    case "response.incomplete":
    case "response.failed": {
      const response = isObject(event.response) ? event.response : {};
      if (response.error) answer.fail(errorText(response.error));
      const output = list(response.output);
      if (output.length === 0) return;
      answer.clear();
      output.forEach((item, n) => readItem(item, String(n), answer, true));
      return;
    }
    case "error":
      return answer.fail(errorText(event.error ?? { code: event.code, message: event.message }));
  }
};

/** One output item: opened (`whole` false: a call's name and id) or done (`whole`: its full content). */
function readItem(item: unknown, key: string, answer: AssembledAnswer, whole: boolean) {
  if (!isObject(item)) return;
  const type = str(item.type);
  if (type === "message") {
    if (whole) answer.set(0, "text", key, list(item.content).map((c) => (c?.type === "output_text" ? str(c.text) : "")).join(""));
  } else if (type === "reasoning") {
    if (whole) answer.set(0, "reasoning", key, [...list(item.summary), ...list(item.content)].map((p) => str(p?.text)).join(""));
  } else if (type.endsWith("_call")) {
    // function_call, custom_tool_call, mcp_call, and the built-in tools' calls (web_search_call …).
    answer.call(0, key, str(item.call_id) || str(item.id), str(item.name) || type);
    if (whole) answer.setArguments(0, key, callArguments(item));
  }
}

function callArguments(item: Record<string, any>): string {
  if (typeof item.arguments === "string") return item.arguments;
  if (typeof item.input === "string") return item.input;
  return isObject(item.action) ? JSON.stringify(item.action) : "";
}

/** streamGenerateContent responses: candidates[].content.parts — text, thought text, whole function calls. */
export function geminiReader(): JsonEventReader {
  let calls = 0;
  return (event, answer) => {
    if (event.error) return answer.fail(errorText(event.error));
    for (const [position, candidate] of list(event.candidates).entries()) {
      const index = indexOr(candidate?.index, position);
      answer.openChoice(index);
      for (const part of list(candidate?.content?.parts)) {
        if (typeof part?.text === "string") {
          const kind = part.thought === true ? "reasoning" : "text";
          answer.add(index, kind, kind, part.text);
        } else if (isObject(part?.functionCall)) {
          const key = String(calls++);
          answer.call(index, key, str(part.functionCall.id), str(part.functionCall.name));
          answer.addArguments(index, key, JSON.stringify(part.functionCall.args ?? {}));
        }
      }
    }
  };
}

const utf8 = new TextDecoder();

function parseObject(text: string): Record<string, any> | undefined {
  try {
    const value = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bedrock's event-stream frames: ConverseStream's events, or InvokeModelWithResponseStream's
 * `chunk` events, each carrying one Anthropic event as base64 JSON. Returns false for a frame
 * it could not read.
 */
export function readBedrock(message: EventStreamMessage, answer: AssembledAnswer): boolean {
  const headers = message.headers;
  const kind = headers[":message-type"];
  if (kind === "exception" || kind === "error") {
    const body = parseObject(utf8.decode(message.body));
    const type = String(headers[":exception-type"] ?? headers[":error-code"] ?? "error");
    answer.fail(`${type}: ${str(body?.message) || str(body?.Message) || String(headers[":error-message"] ?? "")}`);
    return true;
  }
  const event = parseObject(utf8.decode(message.body));
  if (!event) return false;
  const key = String(event.contentBlockIndex);
  switch (headers[":event-type"]) {
    case "chunk": {
      const inner = typeof event.bytes === "string" ? parseObject(utf8.decode(fromBase64(event.bytes))) : undefined;
      if (!inner) return false;
      readAnthropic(inner, answer);
      return true;
    }
    case "contentBlockStart": {
      const tool = event.start?.toolUse;
      if (isObject(tool)) answer.call(0, key, str(tool.toolUseId), str(tool.name));
      return true;
    }
    case "contentBlockDelta": {
      const delta = isObject(event.delta) ? event.delta : {};
      answer.add(0, "text", key, str(delta.text));
      answer.add(0, "reasoning", key, str(delta.reasoningContent?.text));
      if (isObject(delta.toolUse)) answer.addArguments(0, key, str(delta.toolUse.input));
      return true;
    }
    default:
      return true;
  }
}
