import { MAX_JSON_DEPTH } from "../lifecycle/validate.js";

/**
 * The text guardrails read, by wire format. A prompt's: every string a model reads as content —
 * messages, system, tool results, tool-call arguments in the history — and nothing else (not model
 * names, ids, images, signed thinking). An answer's: its text and its tool calls' arguments. The
 * visitors call `fn` with each text and the index of the message (or choice) it belongs to; a
 * string `fn` returns replaces the text in place.
 */

export type PromptFormat = "chat" | "completions" | "embeddings" | "anthropic" | "responses";

type Visit = (text: string, message: number) => string | undefined;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function visitPrompt(format: PromptFormat, body: unknown, fn: Visit): void {
  if (!isObj(body)) return;
  if (format === "chat") eachMessage(body.messages, (m, i) => chatMessage(m, i, fn));
  else if (format === "completions") stringOrList(body, "prompt", fn);
  else if (format === "embeddings") stringOrList(body, "input", fn);
  else if (format === "anthropic") {
    textOrParts(body, "system", 0, fn);
    eachMessage(body.messages, (m, i) => anthropicContent(m, "content", i + 1, fn));
  } else {
    field(body, "instructions", 0, fn);
    if (typeof body.input === "string") field(body, "input", 1, fn);
    else eachMessage(body.input, (item, i) => responsesItem(item, i + 1, fn));
  }
}

export function visitAnswer(format: PromptFormat, body: unknown, fn: Visit): void {
  if (!isObj(body)) return;
  if (format === "chat") eachMessage(body.choices, (c, i) => isObj(c.message) && chatMessage(c.message, i, fn));
  else if (format === "completions") eachMessage(body.choices, (c, i) => field(c, "text", i, fn));
  else if (format === "anthropic") anthropicContent(body, "content", 0, fn);
  else if (format === "responses") eachMessage(body.output, (item, i) => responsesItem(item, i, fn));
}

function eachMessage(list: unknown, each: (m: Obj, i: number) => void) {
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) if (isObj(list[i])) each(list[i] as Obj, i);
}

function field(o: Obj, key: string, message: number, fn: Visit) {
  const v = o[key];
  if (typeof v !== "string" || !v) return;
  const out = fn(v, message);
  if (out !== undefined && out !== v) o[key] = out;
}

function stringOrList(body: Obj, key: string, fn: Visit) {
  const v = body[key];
  if (typeof v === "string") field(body, key, 0, fn);
  if (!Array.isArray(v)) return;
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== "string") continue;
    const out = fn(v[i], i);
    if (out !== undefined && out !== v[i]) v[i] = out;
  }
}

/** A string, or a list of parts whose text parts count. */
function textOrParts(o: Obj, key: string, message: number, fn: Visit, textTypes: ReadonlySet<string> = TEXT_PARTS) {
  const v = o[key];
  if (typeof v === "string") field(o, key, message, fn);
  if (!Array.isArray(v)) return;
  for (const part of v) if (isObj(part) && textTypes.has(part.type as string)) field(part, "text", message, fn);
}

const TEXT_PARTS = new Set(["text", "input_text", "output_text"]);

function chatMessage(m: Obj, i: number, fn: Visit) {
  textOrParts(m, "content", i, fn);
  if (Array.isArray(m.tool_calls)) for (const call of m.tool_calls) if (isObj(call) && isObj(call.function)) field(call.function, "arguments", i, fn);
  if (isObj(m.function_call)) field(m.function_call, "arguments", i, fn); // the legacy functions API
}

function anthropicContent(o: Obj, key: string, message: number, fn: Visit) {
  const v = o[key];
  if (typeof v === "string") field(o, key, message, fn);
  if (!Array.isArray(v)) return;
  for (const block of v) {
    if (!isObj(block)) continue;
    if (block.type === "text") field(block, "text", message, fn);
    else if (block.type === "tool_result" || block.type === "search_result") anthropicContent(block, "content", message, fn);
    else if (block.type === "document" && isObj(block.source) && block.source.type === "text") field(block.source, "data", message, fn);
    else if (block.type === "tool_use" && isObj(block.input)) leaves(block.input, message, fn, 0);
  }
}

function responsesItem(item: Obj, i: number, fn: Visit) {
  const type = item.type ?? (item.role ? "message" : undefined);
  if (type === "message") textOrParts(item, "content", i, fn);
  else if (type === "function_call") field(item, "arguments", i, fn);
  else if (type === "custom_tool_call") field(item, "input", i, fn);
  else if (type === "function_call_output" || type === "custom_tool_call_output") textOrParts(item, "output", i, fn);
}

/** Every string inside a tool's input object. */
function leaves(o: Obj | unknown[], message: number, fn: Visit, depth: number) {
  if (depth > MAX_JSON_DEPTH) return; // deeper than any body the gateway accepts
  const keys = Array.isArray(o) ? o.keys() : Object.keys(o);
  for (const k of keys) {
    const v = (o as Record<string | number, unknown>)[k];
    if (typeof v === "string") {
      const out = fn(v, message);
      if (out !== undefined && out !== v) (o as Record<string | number, unknown>)[k] = out;
    } else if (typeof v === "object" && v !== null) leaves(v as Obj, message, fn, depth + 1);
  }
}

/** An answer's main text (the first choice's content, the text blocks, the output text): what a JSON answer is read from. */
export function answerText(format: PromptFormat, body: unknown): string | undefined {
  if (!isObj(body)) return undefined;
  if (format === "chat") {
    const first = Array.isArray(body.choices) ? body.choices[0] : undefined;
    return isObj(first) && isObj(first.message) && typeof first.message.content === "string" ? first.message.content : undefined;
  }
  if (format === "anthropic" && Array.isArray(body.content)) return joinText(body.content.filter((b) => isObj(b) && b.type === "text"));
  if (format === "responses" && Array.isArray(body.output)) {
    return joinText(body.output.flatMap((item) => (isObj(item) && item.type === "message" && Array.isArray(item.content) ? item.content.filter((p) => isObj(p) && p.type === "output_text") : [])));
  }
  return undefined;
}

const joinText = (parts: unknown[]) => (parts.length ? parts.map((p) => String((p as Obj).text ?? "")).join("") : undefined);
