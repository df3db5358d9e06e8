import { badRequest } from "../../errors.js";

/** Small type checks for a JSON-parsed request; each failure is a 400 naming the field. */

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `obj` has `key` as its own field: a key like "constructor" never reads through to the prototype. */
export const has = (obj: Json, key: string): boolean => Object.hasOwn(obj, key) && obj[key] !== undefined;

/** The field's own value, or undefined (never an inherited one). */
export const own = (obj: Json, key: string): unknown => (Object.hasOwn(obj, key) ? obj[key] : undefined);

export const kind = (v: unknown): string =>
  v === undefined ? "nothing" : v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`;

export function object(v: unknown, where: string, what = "an object"): Json {
  if (!isObject(v)) throw badRequest(`${where} must be ${what}, got ${kind(v)}.`, where);
  return v;
}

export function string(v: unknown, where: string, hint = ""): string {
  if (typeof v !== "string") throw badRequest(`${where} must be a string, got ${kind(v)}.${hint ? ` ${hint}` : ""}`, where);
  return v;
}

export function nonEmptyString(v: unknown, where: string, hint = ""): string {
  if (typeof v !== "string" || v === "") throw badRequest(`${where} must be a non-empty string, got ${v === "" ? "an empty string" : kind(v)}.${hint ? ` ${hint}` : ""}`, where);
  return v;
}

export function array(v: unknown, where: string, what = "an array"): unknown[] {
  if (!Array.isArray(v)) throw badRequest(`${where} must be ${what}, got ${kind(v)}.`, where);
  return v;
}

/** The field of `body`, or undefined when absent or null; otherwise it must pass `check`. */
export function optional<T>(body: Json, key: string, check: (v: unknown, where: string) => T): T | undefined {
  const v = own(body, key);
  return v == null ? undefined : check(v, key);
}

export function number(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw badRequest(`${where} must be a number, got ${kind(v)}.`, where);
  return v;
}

export function positiveInteger(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw badRequest(`${where} must be a positive integer, got ${typeof v === "number" ? v : kind(v)}.`, where);
  return v;
}

export function boolean(v: unknown, where: string): boolean {
  if (typeof v !== "boolean") throw badRequest(`${where} must be true or false, got ${kind(v)}.`, where);
  return v;
}

export function oneOf<T extends string>(v: unknown, where: string, values: readonly T[]): T {
  if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
    throw badRequest(`${where} must be one of ${values.map((x) => `"${x}"`).join(", ")}, got ${typeof v === "string" ? `"${v.slice(0, 40)}"` : kind(v)}.`, where);
  }
  return v as T;
}

/**
 * An ordered, duplicate-free list of what a translation left out. Labels carry client text (field
 * names, item types), so each is cut to 80 characters and the list to 50 labels, then "…".
 */
export class Dropped {
  private readonly seen = new Set<string>();
  add(label: string): void {
    if (this.seen.size < 50) this.seen.add(label.slice(0, 80));
    else this.seen.add("…");
  }
  list(): string[] {
    return [...this.seen];
  }
}
