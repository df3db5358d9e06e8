import * as v from "valibot";

/** Config objects that refuse unknown settings and name the nearest known one: a typo such as "apiKey" is an error, not a silent default. */

export const positiveInt = () => v.pipe(v.number(), v.integer(), v.minValue(1));

/** The edit distance between two names, case ignored (baseURL and baseUrl are 0 apart). */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The known name closest to `name`, if it is close enough to be a typo of it. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(1, Math.floor(Math.max(name.length, best?.length ?? 0) / 3)) ? best : undefined;
}

/**
 * A strict object whose unknown-key error names the key and suggests the nearest known one. The
 * known names are listed when nothing is near, or always with `listAlways` (the top level).
 */
export function strict<const E extends v.ObjectEntries>(entries: E, known = "the settings here are", listAlways = false) {
  const names = Object.keys(entries);
  return v.strictObject(entries, (issue) => {
    if (issue.expected !== "never") return `Invalid ${issue.expected === "Object" ? "type" : "key"}: Expected ${issue.expected} but received ${issue.received}`;
    const name = String(issue.input);
    const near = closest(name, names);
    const list = `${known}: ${names.join(", ")}`;
    if (!near) return `unknown setting "${name}"; ${list}.`;
    return `unknown setting "${name}"; did you mean "${near}"?${listAlways ? ` ${list[0]!.toUpperCase()}${list.slice(1)}.` : ""}`;
  });
}
