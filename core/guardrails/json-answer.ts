import type { PromptFormat } from "./text-fields.js";

/** JSON the request asked for: a schema (json_schema), or any JSON object (json_object). */
export interface RequestedJson {
  schema?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * What the request asked the answer to be, in each API's words: chat's response_format, Anthropic's
 * output_format (or output_config.format), the Responses API's text.format. Undefined: plain text.
 */
export function requestedJson(format: PromptFormat, body: unknown): RequestedJson | undefined {
  if (!isObj(body)) return undefined;
  let spec: unknown;
  if (format === "chat") {
    const rf = body.response_format;
    spec = isObj(rf) && rf.type === "json_schema" && isObj(rf.json_schema) ? { type: "json_schema", schema: rf.json_schema.schema } : rf;
  } else if (format === "anthropic") spec = body.output_format ?? (isObj(body.output_config) ? body.output_config.format : undefined);
  else if (format === "responses") spec = isObj(body.text) ? body.text.format : undefined;
  if (!isObj(spec)) return undefined;
  if (spec.type === "json_object") return {};
  if (spec.type === "json_schema") return isObj(spec.schema) ? { schema: spec.schema } : {};
  return undefined;
}

/**
 * Why `text` is not the JSON asked for; undefined when it is. The reason names the schema location,
 * never the text. The validator loads on the first answer checked against a schema.
 */
export async function jsonViolation(text: string, requested: RequestedJson): Promise<string | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "the answer is not JSON";
  }
  if (!requested.schema) return isObj(value) ? undefined : "the answer is not a JSON object";
  const { Validator } = await import("@cfworker/json-schema");
  try {
    const result = new Validator(requested.schema as never, "2020-12", true).validate(value);
    if (result.valid) return undefined;
    const first = result.errors.find((e) => e.keyword !== "properties" && e.keyword !== "items") ?? result.errors[0];
    return `the answer does not match the schema (${first?.keyword ?? "invalid"} at ${first?.instanceLocation ?? "#"})`;
  } catch {
    return "the requested schema could not be used";
  }
}
