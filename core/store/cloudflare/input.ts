/** Checks on what a caller sent the StoreObject: a failed one is a 400, never a guess. */

export function num(v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error("expected a finite number");
  return v;
}

export function str(v: unknown, name: string): string {
  if (typeof v !== "string") throw new Error(`${name} must be a string`);
  return v;
}

/** An optional string: undefined and null read as absent. */
export function optStr(v: unknown, name: string): string | undefined {
  return v == null ? undefined : str(v, name);
}
