import * as v from "valibot";
import { badRequest } from "../errors.js";
import { once } from "../once.js";
import { closingQuote } from "../formats/json-text.js";

/**
 * The checks a request must pass before it costs an upstream call, built on the first request.
 * Loose objects: fields the gateway does not know travel on to the provider untouched.
 */
export const requestSchemas = once(() => {
  const num = v.number();
  const int = v.pipe(v.number(), v.integer(), v.minValue(1));
  const stop = v.nullable(v.union([v.string(), v.array(v.string())]));

  const Message = v.looseObject({
    role: v.picklist(["system", "developer", "user", "assistant", "tool", "function"], 'must be one of "system", "developer", "user", "assistant", "tool"'),
    content: v.optional(v.nullable(v.union([v.string(), v.array(v.looseObject({ type: v.string() }))]))),
    tool_calls: v.optional(v.array(v.looseObject({ id: v.string(), type: v.optional(v.string()), function: v.looseObject({ name: v.string(), arguments: v.string() }) }))),
    tool_call_id: v.optional(v.string()),
  });

  const Tool = v.looseObject({
    type: v.string(),
    function: v.optional(v.looseObject({ name: v.pipe(v.string(), v.minLength(1)), parameters: v.optional(v.record(v.string(), v.unknown())) })),
  });

  /** Model ids are short; a longer name is a mistake or an attack on whatever stores it. */
  const Model = v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty"), v.maxLength(256, "must be at most 256 characters"));

  const ChatSchema = v.looseObject({
    model: Model,
    messages: v.pipe(v.array(Message, "must be an array of messages"), v.minLength(1, "must hold at least one message")),
    stream: v.optional(v.nullable(v.boolean())),
    stream_options: v.optional(v.nullable(v.looseObject({ include_usage: v.optional(v.boolean()) }))),
    temperature: v.optional(v.nullable(num)),
    top_p: v.optional(v.nullable(num)),
    n: v.optional(v.nullable(int)),
    max_tokens: v.optional(v.nullable(int)),
    max_completion_tokens: v.optional(v.nullable(int)),
    stop: v.optional(stop),
    tools: v.optional(v.nullable(v.array(Tool))),
    tool_choice: v.optional(v.nullable(v.union([v.string(), v.looseObject({ type: v.string() })]))),
    response_format: v.optional(v.nullable(v.looseObject({ type: v.string() }))),
    user: v.optional(v.nullable(v.string())),
  });

  const CompletionSchema = v.looseObject({
    model: Model,
    prompt: v.union([v.string(), v.array(v.string()), v.array(v.number()), v.array(v.array(v.number()))], "must be a string or an array"),
    stream: v.optional(v.nullable(v.boolean())),
    stream_options: v.optional(v.nullable(v.looseObject({ include_usage: v.optional(v.boolean()) }))),
    max_tokens: v.optional(v.nullable(int)),
  });

  const EmbeddingsSchema = v.looseObject({
    model: Model,
    input: v.union([v.pipe(v.string(), v.minLength(1)), v.pipe(v.array(v.unknown()), v.minLength(1))], "must be a string or a non-empty array"),
    dimensions: v.optional(int),
    encoding_format: v.optional(v.picklist(["float", "base64"])),
  });

  return { chat: ChatSchema, completions: CompletionSchema, embeddings: EmbeddingsSchema };
});

/**
 * The body, checked against `schema`; a 400 naming the first field that fails. `passes` may vouch
 * for a body first (chat-check.ts): valibot then runs only to word the error of one that fails.
 */
export function validate<S extends v.GenericSchema>(schema: S, body: unknown, passes?: (body: Record<string, unknown>) => boolean): v.InferOutput<S> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("The request body must be a JSON object.");
  if (passes?.(body as Record<string, unknown>)) return body as v.InferOutput<S>;
  const r = v.safeParse(schema, body, { abortEarly: true });
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = v.getDotPath(issue);
  throw badRequest(path ? `Invalid value for '${path}': ${issue.message}` : issue.message, path ?? null, "invalid_value");
}

/** Deeper than this, a body is refused before it is parsed: no stage should have to recurse that far. */
export const MAX_JSON_DEPTH = 128;

/**
 * The request body as JSON: 400 for text that is not JSON or that nests deeper than
 * MAX_JSON_DEPTH (a body thousands of levels deep would overflow the stack of whatever walks it).
 */
export function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw badRequest(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels; flatten it.`, null, "invalid_json");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("We could not parse the JSON body of your request. Send valid JSON with Content-Type: application/json.", null, "invalid_json");
  }
}

/**
 * One pass over the text, counting brackets outside strings. A string's contents are skipped with
 * indexOf (native, fast) rather than read a character at a time: a prompt is mostly string, and a
 * character loop over it cost six times the JSON.parse itself (470 µs for a 97 KB body). Hostile
 * input still costs at most one pass: the scan stops at the first bracket too deep.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i = closingQuote(text, i);
      if (i < 0) return false; // an unterminated string: JSON.parse says what is wrong
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}
