import { badRequest } from "../../errors.js";

/** Shape checks for an inbound Anthropic request: each failure is a 400 naming the field. */

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A client-given string cut short, for an error message or the dropped list. */
export const clip = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);

/** A client-given string quoted for an error message. */
export const quote = (s: string) => JSON.stringify(clip(s));

/** Describes a value for an error message without echoing it (it may be huge or hostile). */
export function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

export function object(v: unknown, param: string): Json {
  if (v === undefined) throw badRequest(`${param} is required: send it as a JSON object.`, param, "missing_required_parameter");
  if (!isObject(v)) throw badRequest(`${param} must be a JSON object, not ${kind(v)}.`, param, "invalid_value");
  return v;
}

export function string(v: unknown, param: string): string {
  if (v === undefined) throw badRequest(`${param} is required: send it as a string.`, param, "missing_required_parameter");
  if (typeof v !== "string") throw badRequest(`${param} must be a string, not ${kind(v)}.`, param, "invalid_value");
  return v;
}

export function array(v: unknown, param: string): unknown[] {
  if (v === undefined) throw badRequest(`${param} is required: send it as an array.`, param, "missing_required_parameter");
  if (!Array.isArray(v)) throw badRequest(`${param} must be an array, not ${kind(v)}.`, param, "invalid_value");
  return v;
}

/** An optional number (null counts as absent). */
export function optionalNumber(v: unknown, param: string): number | undefined {
  if (v == null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`${param} must be a number, not ${kind(v)}.`, param, "invalid_value");
  return v;
}

export function positiveInteger(v: unknown, param: string): number {
  if (v === undefined) throw badRequest(`${param} is required: the most tokens the answer may use, a positive integer.`, param, "missing_required_parameter");
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw badRequest(`${param} must be a positive integer.`, param, "invalid_value");
  return v;
}

/** The `type` string every content block and tool choice carries. */
export function typed(v: unknown, param: string): Json & { type: string } {
  const o = object(v, param);
  if (typeof o.type !== "string") throw badRequest(`${param}.type is required: a string naming the kind of block.`, `${param}.type`, "invalid_value");
  return o as Json & { type: string };
}

/** What the translation left out, as paths without indexes: "context_management", "tools[web_search]", "tools[].defer_loading". */
export class Dropped {
  private readonly seen = new Set<string>();
  add(path: string) {
    this.seen.add(path);
  }
  list(): string[] {
    return [...this.seen];
  }
}
