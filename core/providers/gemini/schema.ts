import { badRequest } from "../../errors.js";

/**
 * JSON Schema → the OpenAPI 3.0 subset Gemini's `Schema` accepts (function parameters and
 * responseSchema). Local $refs are inlined, `type: [T, "null"]` becomes `nullable`, `const`
 * becomes a one-value enum, oneOf becomes anyOf, and keywords Gemini rejects are left out.
 */
const KEEP = new Set([
  "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
  "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
  "default", "items", "minimum", "maximum",
]);

/** The formats Gemini accepts per type; others (email, uri, uuid…) are dropped. */
const FORMATS: Record<string, readonly string[]> = { string: ["enum", "date-time"], number: ["float", "double"], integer: ["int32", "int64"] };

const MAX_DEPTH = 32;

type Schema = Record<string, any>;

export function toGeminiSchema(schema: unknown, where = "schema"): Schema {
  if (!isObject(schema)) throw badRequest(`${where} must be a JSON Schema object.`, where);
  const defs = { ...(schema.definitions ?? {}), ...(schema.$defs ?? {}) };
  return clean(schema, defs, where, 0);
}

function clean(input: Schema, defs: Schema, where: string, depth: number): Schema {
  if (depth > MAX_DEPTH) throw badRequest(`${where} nests too deeply or is recursive; Gemini schemas can't express recursion.`, where);
  let s = input;
  if (typeof s.$ref === "string") {
    const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(s.$ref)?.[1];
    const target = name !== undefined ? defs[decodeURIComponent(name)] : undefined;
    if (!isObject(target)) throw badRequest(`${where}: only local $refs to #/$defs or #/definitions can be used with Gemini (got "${s.$ref}").`, where);
    const { $ref: _ref, ...rest } = s;
    s = { ...target, ...rest };
  }
  if (Array.isArray(s.allOf) && s.allOf.length === 1 && isObject(s.allOf[0])) {
    const { allOf, ...rest } = s;
    s = { ...allOf[0], ...rest };
  }

  const out: Schema = {};
  const oneOf = s.anyOf ?? s.oneOf;
  let type = s.type;
  if (Array.isArray(type)) {
    const kinds = type.filter((t) => t !== "null");
    if (kinds.length < type.length) out.nullable = true;
    if (kinds.length === 1) type = kinds[0];
    else {
      out.anyOf = kinds.map((t) => clean({ ...s, type: t, anyOf: undefined, oneOf: undefined }, defs, where, depth + 1));
      if (typeof s.description === "string") out.description = s.description;
      return out;
    }
  }
  if (type === "null") {
    out.nullable = true;
    type = undefined;
  }
  if (typeof type === "string") out.type = type;

  for (const [k, v] of Object.entries(s)) {
    if (!KEEP.has(k) || k === "type" || k === "anyOf" || v === undefined) continue;
    if (k === "properties" && isObject(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, sub]) => [p, clean(asSchema(sub), defs, `${where}.properties.${p}`, depth + 1)]));
    } else if (k === "items" && isObject(v)) {
      out.items = clean(v, defs, `${where}.items`, depth + 1);
    } else if (k === "format") {
      if (typeof type === "string" && FORMATS[type]?.includes(v)) out.format = v;
    } else if (k === "enum") {
      if (Array.isArray(v) && v.every((e) => typeof e === "string")) out.enum = v;
    } else {
      out[k] = v;
    }
  }
  if (s.const !== undefined && typeof s.const === "string" && !out.enum) out.enum = [s.const];
  if (out.enum && !out.type) out.type = "string";
  if (Array.isArray(oneOf)) {
    const variants = oneOf.filter(isObject).filter((v) => v.type !== "null");
    if (variants.length < oneOf.length) out.nullable = true;
    if (variants.length === 1) Object.assign(out, clean(variants[0]!, defs, where, depth + 1), out.nullable ? { nullable: true } : {});
    else out.anyOf = variants.map((v, i) => clean(v, defs, `${where}.anyOf[${i}]`, depth + 1));
  }
  if (Array.isArray(out.required) && out.properties) out.required = out.required.filter((r: unknown) => typeof r === "string" && r in out.properties);
  return out;
}

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);
const asSchema = (v: unknown): Schema => (isObject(v) ? v : {});
