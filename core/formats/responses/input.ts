import { badRequest } from "../../errors.js";
import type { ChatMessage } from "../../types.js";
import { type Dropped, type Json, array, nonEmptyString, object, own, string } from "./check.js";
import { flatName } from "./tools.js";

type Part = Record<string, unknown> & { type: string };

const ROLES = ["user", "assistant", "system", "developer"];

/**
 * Responses input items → chat messages, in order. An assistant turn (its text and the function
 * calls right after it) becomes one assistant message; a reasoning item's text rides on the
 * assistant message that follows it, as `reasoning_content`.
 */
export class Conversation {
  readonly messages: ChatMessage[] = [];
  private assistant: ChatMessage | null = null;
  private reasoning: string[] = [];
  /** Images and files from function_call_output arrays: a tool message takes text only. */
  private toolMedia: Part[] = [];

  constructor(private readonly dropped: Dropped) {}

  add(value: unknown, where: string): void {
    const item = object(value, where);
    const type = own(item, "type") ?? (own(item, "role") != null ? "message" : undefined);
    string(type, `${where}.type`, 'Each input item needs a "type" such as "message", "function_call" or "function_call_output".');
    if (type !== "function_call_output") this.flushToolMedia();
    switch (type) {
      case "message":
        this.message(item, where);
        break;
      case "function_call":
        this.functionCall(item, where);
        break;
      case "function_call_output":
        this.functionCallOutput(item, where);
        break;
      case "reasoning":
        this.reasoningItem(item);
        break;
      default:
        // item_reference, and the items of hosted tools (web_search_call, custom_tool_call, …).
        this.dropped.add(`input:${type}`);
    }
  }

  /** The messages once every item is in. */
  finish(): ChatMessage[] {
    this.flushToolMedia();
    this.endTurn();
    return this.messages;
  }

  private message(item: Json, where: string) {
    const role = own(item, "role");
    if (typeof role !== "string" || !ROLES.includes(role)) {
      throw badRequest(`${where}.role must be one of "user", "assistant", "system", "developer".`, `${where}.role`);
    }
    const parts = contentParts(own(item, "content"), `${where}.content`, role);
    if (role === "assistant") {
      const text = joinText(parts);
      const m = this.openAssistant();
      if (text) m.content = typeof m.content === "string" && m.content ? `${m.content}\n\n${text}` : text;
      return;
    }
    this.endTurn();
    // Chat's "developer" role is OpenAI's own; every chat provider takes "system".
    if (role !== "user") this.messages.push({ role: "system", content: joinText(parts) });
    else if (parts.length === 1 && parts[0]!.type === "text") this.messages.push({ role: "user", content: parts[0]!.text });
    else this.messages.push({ role: "user", content: parts });
  }

  private functionCall(item: Json, where: string) {
    const id = nonEmptyString(own(item, "call_id"), `${where}.call_id`);
    const name = nonEmptyString(own(item, "name"), `${where}.name`);
    const ns = own(item, "namespace");
    const args = own(item, "arguments") ?? "";
    const m = this.openAssistant();
    m.tool_calls = m.tool_calls ?? [];
    m.tool_calls.push({
      id,
      type: "function",
      function: { name: ns == null ? name : flatName(nonEmptyString(ns, `${where}.namespace`), name), arguments: string(args, `${where}.arguments`) },
    });
  }

  private functionCallOutput(item: Json, where: string) {
    this.endTurn();
    const id = nonEmptyString(own(item, "call_id"), `${where}.call_id`);
    const output = own(item, "output");
    if (typeof output === "string") {
      this.messages.push({ role: "tool", tool_call_id: id, content: output });
      return;
    }
    const parts = contentParts(array(output, `${where}.output`, "a string or an array of content parts"), `${where}.output`, "user");
    const media = parts.filter((p) => p.type !== "text");
    let text = joinText(parts);
    if (media.length) {
      if (!text) text = "The tool returned image or file content; it follows in the next message.";
      this.toolMedia.push({ type: "text", text: `Content returned by tool call ${id}:` }, ...media);
    }
    this.messages.push({ role: "tool", tool_call_id: id, content: text });
  }

  private reasoningItem(item: Json) {
    const encrypted = own(item, "encrypted_content");
    if (typeof encrypted === "string" && encrypted) this.dropped.add("input:reasoning.encrypted_content");
    // Raw reasoning (content) says more than its summary; either may be missing or empty.
    const text = reasoningText(own(item, "content"), "reasoning_text") || reasoningText(own(item, "summary"), "summary_text");
    if (text) this.reasoning.push(text);
  }

  private openAssistant(): ChatMessage {
    if (!this.assistant) {
      this.assistant = { role: "assistant", content: null };
      this.messages.push(this.assistant);
    }
    if (this.reasoning.length) {
      const prior = typeof this.assistant.reasoning_content === "string" ? [this.assistant.reasoning_content] : [];
      this.assistant.reasoning_content = [...prior, ...this.reasoning].join("\n\n");
      this.reasoning = [];
    }
    return this.assistant;
  }

  /** A non-assistant item ends the assistant turn; reasoning that no assistant turn followed is dropped. */
  private endTurn() {
    if (this.assistant && this.assistant.content === null && !this.assistant.tool_calls) this.assistant.content = "";
    this.assistant = null;
    if (this.reasoning.length) this.dropped.add("input:reasoning");
    this.reasoning = [];
  }

  private flushToolMedia() {
    if (!this.toolMedia.length) return;
    this.messages.push({ role: "user", content: this.toolMedia });
    this.toolMedia = [];
  }
}

/** Summary or content parts of a reasoning item → their text; never fails (reasoning is advisory). */
function reasoningText(parts: unknown, type: string): string {
  if (!Array.isArray(parts)) return "";
  return parts
    .filter((p): p is Json => typeof p === "object" && p !== null && (p as Json).type === type && typeof (p as Json).text === "string")
    .map((p) => p.text as string)
    .filter(Boolean)
    .join("\n\n");
}

const joinText = (parts: Part[]) =>
  parts
    .filter((p) => p.type === "text")
    .map((p) => p.text)
    .join("\n\n");

/** Message content (a string or content parts) → chat content parts; images and files only where chat takes them. */
function contentParts(content: unknown, where: string, role: string): Part[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return array(content, where, "a string or an array of content parts").map((p, j) => contentPart(p, `${where}[${j}]`, role));
}

function contentPart(value: unknown, where: string, role: string): Part {
  const part = object(value, where);
  const type = string(own(part, "type"), `${where}.type`);
  switch (type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: string(own(part, "text"), `${where}.text`) };
    case "refusal":
      return { type: "text", text: string(own(part, "refusal"), `${where}.refusal`) };
    case "input_image":
    case "input_file":
      if (role !== "user") throw badRequest(`${where}: ${role} messages take text only; send ${type} parts in a user message.`, `${where}.type`, "unsupported_content");
      return type === "input_image" ? imagePart(part, where) : filePart(part, where);
    default:
      throw badRequest(`${where}.type "${type.slice(0, 40)}" is not supported here; use input_text, input_image or input_file.`, `${where}.type`, "unsupported_content");
  }
}

const DETAILS = new Set(["auto", "low", "high"]);

function imagePart(part: Json, where: string): Part {
  if (own(part, "file_id") != null) {
    throw badRequest(`${where}.file_id: the gateway cannot read OpenAI file ids; send the image as image_url (an https URL or a data: URL).`, `${where}.file_id`, "unsupported_content");
  }
  const url = nonEmptyString(own(part, "image_url"), `${where}.image_url`, "Send an https URL or a data: URL.");
  const image: Json = { url };
  const detail = own(part, "detail");
  if (typeof detail === "string" && DETAILS.has(detail)) image.detail = detail;
  return { type: "image_url", image_url: image };
}

function filePart(part: Json, where: string): Part {
  for (const field of ["file_id", "file_url"]) {
    if (own(part, field) != null) {
      throw badRequest(`${where}.${field}: the gateway cannot fetch files by ${field === "file_id" ? "OpenAI file id" : "URL"}; send the file's bytes as file_data (a base64 data: URL).`, `${where}.${field}`, "unsupported_content");
    }
  }
  const file: Json = { file_data: nonEmptyString(own(part, "file_data"), `${where}.file_data`, "Send the file as a base64 data: URL.") };
  const filename = own(part, "filename");
  if (filename != null) file.filename = string(filename, `${where}.filename`);
  return { type: "file", file };
}
