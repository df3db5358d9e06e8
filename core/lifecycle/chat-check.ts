/**
 * Whether a chat body passes validate.ts's ChatSchema, judged with typeof checks alone. valibot
 * builds a copy of every object it checks: 480 µs for a coding agent's 258 KB body (300 messages,
 * 20 tools), over half its JSON.parse, where this takes a few µs. True only where ChatSchema
 * passes the body; anything else (false) goes to valibot, whose error the client gets, so this
 * need not be complete, only never wrong. test/unit/lifecycle/chat-check.test.ts holds the two
 * together over every field and its wrong shapes.
 */
export function passesChatSchema(body: Record<string, unknown>): boolean {
  const model = body.model;
  if (typeof model !== "string" || model.length < 1 || model.length > 256) return false;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length < 1) return false;
  for (const m of messages) if (!isMessage(m)) return false;
  return (
    nullish(body.stream, isBoolean) &&
    nullish(body.stream_options, (o) => isObject(o) && (o.include_usage === undefined || typeof o.include_usage === "boolean")) &&
    nullish(body.temperature, isNumber) &&
    nullish(body.top_p, isNumber) &&
    nullish(body.n, isCount) &&
    nullish(body.max_tokens, isCount) &&
    nullish(body.max_completion_tokens, isCount) &&
    nullish(body.stop, (s) => typeof s === "string" || (Array.isArray(s) && every(s, isString))) &&
    nullish(body.tools, (t) => Array.isArray(t) && every(t, isTool)) &&
    nullish(body.tool_choice, (c) => typeof c === "string" || (isObject(c) && typeof c.type === "string")) &&
    nullish(body.response_format, (f) => isObject(f) && typeof f.type === "string") &&
    nullish(body.user, isString)
  );
}

type Json = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown) => typeof v === "boolean";
const isNumber = (v: unknown) => typeof v === "number" && !Number.isNaN(v);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
/** Every item, holes read as undefined (Array.every skips them, valibot does not). */
const every = (items: unknown[], check: (v: unknown) => boolean) => {
  for (const item of items) if (!check(item)) return false;
  return true;
};
/** An optional, nullable field: absent, null, or passing `check`. */
const nullish = (v: unknown, check: (v: unknown) => boolean) => v === undefined || v === null || check(v);

function isMessage(m: unknown): boolean {
  if (!isObject(m) || !ROLES.has(m.role as string)) return false;
  const content = m.content;
  if (content !== undefined && content !== null && typeof content !== "string") {
    if (!Array.isArray(content)) return false;
    for (const part of content) if (!isObject(part) || typeof part.type !== "string") return false;
  }
  const calls = m.tool_calls;
  if (calls !== undefined) {
    if (!Array.isArray(calls)) return false;
    for (const call of calls) if (!isToolCall(call)) return false;
  }
  return m.tool_call_id === undefined || typeof m.tool_call_id === "string";
}

function isToolCall(c: unknown): boolean {
  if (!isObject(c) || typeof c.id !== "string" || (c.type !== undefined && typeof c.type !== "string")) return false;
  const f = c.function;
  return isObject(f) && typeof f.name === "string" && typeof f.arguments === "string";
}

function isTool(t: unknown): boolean {
  if (!isObject(t) || typeof t.type !== "string") return false;
  const f = t.function;
  if (f === undefined) return true;
  return isObject(f) && typeof f.name === "string" && f.name.length >= 1 && (f.parameters === undefined || isObject(f.parameters));
}
