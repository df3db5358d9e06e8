/** Reading JSON text without parsing it: where strings end, and a top-level member's place. */

export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Where the string opened at `open` ends: the next quote not escaped (an even run of backslashes before it), or -1. */
export function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 92 /* \ */) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * The text of a JSON object with some top-level members set anew (replaced where present, added
 * first otherwise) and every other byte as it came: for a body that only needs its model renamed,
 * far cheaper than serialising the parsed whole again (a coding agent's 258 KB body costs
 * JSON.stringify hundreds of µs). Undefined when the text can't be edited safely — not an object,
 * a key written with an escape or written twice (JSON.parse keeps the last; an edit could miss
 * it) — and the caller serialises instead. The text is valid JSON already (it was parsed).
 */
export function withMembers(text: string, members: Record<string, unknown>): string | undefined {
  const spans = topLevelSpans(text);
  if (!spans) return undefined;
  const edits: Array<[start: number, end: number, text: string]> = [];
  let added = "";
  for (const key in members) {
    const value = JSON.stringify(members[key]);
    const span = spans.members.get(key);
    if (span) edits.push([span[0], span[1], value]);
    else added += `${JSON.stringify(key)}:${value},`;
  }
  if (added) edits.push([spans.open + 1, spans.open + 1, spans.members.size ? added : added.slice(0, -1)]);
  edits.sort((a, b) => b[0] - a[0]);
  let out = text;
  for (const [start, end, replacement] of edits) out = out.slice(0, start) + replacement + out.slice(end);
  return out;
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/** The opening brace and each top-level member's value span [start, end), or undefined (see withMembers). */
function topLevelSpans(text: string): { open: number; members: Map<string, [number, number]> } | undefined {
  const members = new Map<string, [number, number]>();
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== 123 /* { */) return undefined;
  const open = i;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === 125 /* } */) return { open, members };
  for (;;) {
    if (text.charCodeAt(i) !== 34 /* " */) return undefined;
    const keyEnd = closingQuote(text, i);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd);
    if (key.includes("\\") || members.has(key)) return undefined;
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== 58 /* : */) return undefined;
    const start = skipSpace(text, i + 1);
    const end = valueEnd(text, start);
    if (end < 0) return undefined;
    members.set(key, [start, end]);
    i = skipSpace(text, end);
    const c = text.charCodeAt(i);
    if (c === 125 /* } */) return { open, members };
    if (c !== 44 /* , */) return undefined;
    i = skipSpace(text, i + 1);
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Where the value starting at `start` ends (exclusive), or -1. */
function valueEnd(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === 34 /* " */) {
    const close = closingQuote(text, start);
    return close < 0 ? -1 : close + 1;
  }
  if (c === 123 /* { */ || c === 91 /* [ */) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === 34) {
        i = closingQuote(text, i);
        if (i < 0) return -1;
      } else if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next separator.
  let i = start;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 44 || d === 125 || d === 93 || isSpace(d)) break;
    i++;
  }
  return i === start ? -1 : i;
}

/**
 * `edited` as JSON text, where `edited` is a shallow copy of `parsed` (the object `text` holds)
 * with some members changed or added: `text` with just those members rewritten where it can be,
 * else `edited` serialised anew. Members are compared by identity, so a copy made by spreading
 * `parsed` rewrites only what was set on it.
 */
export function editedText(text: string, parsed: Record<string, unknown>, edited: Record<string, unknown>): string {
  const changed: Record<string, unknown> = Object.create(null);
  for (const key in parsed) if (!Object.hasOwn(edited, key)) return JSON.stringify(edited);
  for (const key in edited) {
    const value = edited[key];
    if (value === parsed[key]) continue;
    if (value === undefined) return JSON.stringify(edited);
    changed[key] = value;
  }
  return withMembers(text, changed) ?? JSON.stringify(edited);
}
