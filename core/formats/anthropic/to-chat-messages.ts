import { badRequest } from "../../errors.js";
import type { ChatMessage, ToolCall } from "../../types.js";
import { type Dropped, type Json, array, isObject, kind, object, quote, string, typed } from "./check.js";
import { type Part, dropBlock, isAnthropicOnly, userParts } from "./to-chat-content.js";

/**
 * Anthropic `messages` → OpenAI chat messages. A user turn's tool_result blocks become "tool"
 * messages placed first (Anthropic requires them first in the turn; OpenAI requires them right
 * after the assistant's tool_calls); its other blocks follow as one user message.
 */
export function chatMessages(raw: unknown, dropped: Dropped, keepReasoning: boolean): ChatMessage[] {
  const list = array(raw, "messages");
  if (list.length === 0) throw badRequest("messages must hold at least one message.", "messages", "invalid_value");
  const out: ChatMessage[] = [];
  list.forEach((m, i) => {
    const at = `messages[${i}]`;
    const msg = object(m, at);
    const content = msg.content;
    if (typeof content !== "string" && !Array.isArray(content)) {
      const problem = content === undefined ? "is required" : `must be a string or an array of content blocks, not ${kind(content)}`;
      throw badRequest(`${at}.content ${problem}.`, `${at}.content`, content === undefined ? "missing_required_parameter" : "invalid_value");
    }
    if (msg.role === "user") out.push(...userTurn(content, at, dropped));
    else if (msg.role === "assistant") {
      const a = assistantTurn(content, at, dropped, keepReasoning);
      if (a) out.push(a);
    } else if (msg.role === "system") {
      const text = systemText(content, `${at}.content`, dropped);
      if (text) out.push({ role: "system", content: text });
    } else throw badRequest(`${at}.role must be "user", "assistant" or "system".`, `${at}.role`, "invalid_value");
  });
  if (!out.some((m) => m.role !== "system")) {
    throw badRequest("messages hold nothing this model can read: send at least one user message with text, an image or a document.", "messages", "invalid_value");
  }
  return out;
}

/**
 * A system prompt (top-level `system` or a role "system" message) as one string: some
 * OpenAI-compatible servers take only string content for system messages. cache_control is dropped.
 */
export function systemText(content: unknown, param: string, dropped: Dropped): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badRequest(`${param} must be a string or an array of text blocks, not ${kind(content)}.`, param, "invalid_value");
  return content
    .map((b, j) => {
      const block = typed(b, `${param}[${j}]`);
      if (block.type !== "text") throw badRequest(`${param}[${j}].type must be "text": a system prompt holds text only.`, `${param}[${j}].type`, "invalid_value");
      if (block.cache_control !== undefined) dropped.add(param === "system" ? "system[].cache_control" : "messages[].content[].cache_control");
      return string(block.text, `${param}[${j}].text`);
    })
    .join("\n\n");
}

function userTurn(content: string | unknown[], at: string, dropped: Dropped): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];
  const tools: ChatMessage[] = [];
  const parts: Part[] = [];
  content.forEach((b, j) => {
    const p = `${at}.content[${j}]`;
    const block = typed(b, p);
    if (block.type === "tool_result") {
      const r = toolResult(block, p, dropped);
      tools.push(r.message);
      parts.push(...r.attachments);
    } else if (block.type === "tool_use" || block.type === "thinking") {
      throw badRequest(`${p}.type: ${block.type} blocks belong in assistant messages; a tool's answer goes in a user message as a tool_result block.`, `${p}.type`, "invalid_value");
    } else parts.push(...userParts(block, p, dropped));
  });
  if (parts.length === 0) return tools;
  const only = parts[0]!;
  const plain = parts.length === 1 && only.type === "text" && only.cache_control === undefined;
  return [...tools, { role: "user", content: plain ? only.text : parts }];
}

/**
 * tool_result → a "tool" message with its text. Images and PDFs can't go in an OpenAI tool
 * message, so they travel in the user message that follows, introduced by a line naming the call.
 */
function toolResult(block: Json, p: string, dropped: Dropped): { message: ChatMessage; attachments: Part[] } {
  const id = string(block.tool_use_id, `${p}.tool_use_id`);
  const c = block.content;
  let parts: Part[] = [];
  if (typeof c === "string") parts = [{ type: "text", text: c }];
  else if (Array.isArray(c)) parts = c.flatMap((x, k) => userParts(typed(x, `${p}.content[${k}]`), `${p}.content[${k}]`, dropped));
  else if (c != null) throw badRequest(`${p}.content must be a string or an array of content blocks, not ${kind(c)}.`, `${p}.content`, "invalid_value");
  const texts = parts.filter((x) => x.type === "text");
  if (block.cache_control !== undefined || texts.some((x) => x.cache_control !== undefined)) dropped.add("messages[].content[].cache_control");
  const text = texts.map((x) => x.text as string).join("\n");
  const attachments = parts.filter((x) => x.type !== "text");
  if (attachments.length) attachments.unshift({ type: "text", text: `Attachments returned by tool call ${id}:` });
  const content = block.is_error === true ? `Error: ${text}` : text;
  return { message: { role: "tool", tool_call_id: id, content }, attachments };
}

/** text blocks joined, tool_use blocks → tool_calls, thinking → reasoning_content when kept. */
function assistantTurn(content: string | unknown[], at: string, dropped: Dropped, keepReasoning: boolean): ChatMessage | undefined {
  if (typeof content === "string") return content ? { role: "assistant", content } : undefined;
  let text = "";
  let reasoning = "";
  const calls: ToolCall[] = [];
  content.forEach((b, j) => {
    const p = `${at}.content[${j}]`;
    const block = typed(b, p);
    if (block.type === "text") text += string(block.text, `${p}.text`);
    else if (block.type === "tool_use") {
      const name = string(block.name, `${p}.name`);
      calls.push({ id: string(block.id, `${p}.id`), type: "function", function: { name, arguments: JSON.stringify(toolInput(block.input, `${p}.input`)) } });
    } else if (block.type === "thinking" && keepReasoning) reasoning += string(block.thinking, `${p}.thinking`);
    else if (block.type === "thinking" || isAnthropicOnly(block.type)) dropBlock(block.type, dropped);
    else throw badRequest(`${p}.type ${quote(block.type)} is not supported in an assistant message: use text, tool_use or thinking.`, `${p}.type`, "unsupported_content");
    if (block.cache_control !== undefined) dropped.add("messages[].content[].cache_control");
  });
  if (!text && calls.length === 0) return undefined;
  const m: ChatMessage = { role: "assistant", content: text || null };
  if (calls.length) m.tool_calls = calls;
  if (reasoning) m.reasoning_content = reasoning;
  return m;
}

function toolInput(v: unknown, param: string): Json {
  if (v === undefined) return {};
  if (!isObject(v)) throw badRequest(`${param} must be a JSON object: the arguments the tool was called with.`, param, "invalid_value");
  return v;
}
