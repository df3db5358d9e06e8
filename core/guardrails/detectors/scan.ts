import type { Finding } from "../types.js";

/** The part of a match to report, in offsets of the whole text. */
export interface Span {
  start: number;
  end: number;
}

/** What to report of one match: nothing, all of it, or a part. */
export type MatchCheck = (match: RegExpExecArray, text: string) => boolean | Span;

/**
 * Every match of `pattern` (global) in `text`, as findings labelled `label`, each kept whole or
 * in part as `check` says. One compiled pattern serves every call: lastIndex is reset first. A
 * zero-length match reports nothing and the scan moves on one character (one code point).
 */
export function findAll(pattern: RegExp, text: string, label: string, check?: MatchCheck): Finding[] {
  const findings: Finding[] = [];
  pattern.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null) {
    const end = match.index + match[0].length;
    if (end === match.index) {
      pattern.lastIndex = end + ((text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1);
      continue;
    }
    const kept = check ? check(match, text) : true;
    if (kept === true) findings.push({ start: match.index, end, label });
    else if (kept) findings.push({ start: kept.start, end: kept.end, label });
  }
  return findings;
}
