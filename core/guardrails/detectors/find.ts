import type { Finding } from "../types.js";

/**
 * The findings of several detectors on one text as one list: sorted by start, overlapping spans
 * merged into one. The merged span takes the label of the longest span in it (the first, on a tie).
 * Spans that only touch stay apart; empty spans are dropped.
 */
export function mergeFindings(lists: Finding[][]): Finding[] {
  const all: Finding[] = [];
  // A loop, not lists.flat(): flat is several times slower on these small arrays.
  for (const list of lists) for (const f of list) if (f.end > f.start) all.push(f);
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Finding[] = [];
  let current: Finding | undefined;
  let longest = 0;
  for (const f of all) {
    const length = f.end - f.start;
    if (current && f.start < current.end) {
      if (length > longest) {
        longest = length;
        current.label = f.label;
      }
      current.end = Math.max(current.end, f.end);
      continue;
    }
    current = { start: f.start, end: f.end, label: f.label };
    longest = length;
    merged.push(current);
  }
  return merged;
}

/** `text` with each finding's span replaced by `[LABEL]`; overlapping findings are merged first. */
export function redact(text: string, findings: Finding[]): string {
  let out = "";
  let cursor = 0;
  for (const f of mergeFindings([findings])) {
    out += `${text.slice(cursor, f.start)}[${f.label}]`;
    cursor = f.end;
  }
  return out + text.slice(cursor);
}
