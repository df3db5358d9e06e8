import type { Detector } from "../types.js";
import { mergeFindings } from "./find.js";
import { findAll } from "./scan.js";

const MAX_PATTERN_CHARS = 1000;
const DEFAULT_LABEL = "REDACTED";

/** `text` as a regex source that matches it literally (valid with the `u` flag too, which refuses escaping `-`). */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

function compile(pattern: string, flags: string): RegExp {
  if (pattern.length > MAX_PATTERN_CHARS) {
    throw new Error(`guardrail regex ${JSON.stringify(`${pattern.slice(0, 40)}…`)} is ${pattern.length} characters long; the limit is ${MAX_PATTERN_CHARS}`);
  }
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    throw new Error(`guardrail regex ${JSON.stringify(pattern)} does not compile: ${(err as Error).message}`);
  }
}

/**
 * A detector from configured regular expressions, each compiled once (flags g, u, and i unless
 * `caseSensitive`) and run in turn: they are not joined into one, so each keeps its own groups
 * and backreferences. Empty matches report nothing. Throws naming the pattern that is too long
 * or does not compile.
 */
export function regexDetector(patterns: string[], opts: { caseSensitive?: boolean; label?: string } = {}): Detector {
  const flags = opts.caseSensitive ? "gu" : "giu";
  const label = opts.label ?? DEFAULT_LABEL;
  const compiled = patterns.map((p) => compile(p, flags));
  if (compiled.length === 1) return (text) => findAll(compiled[0]!, text, label);
  return (text) => mergeFindings(compiled.map((re) => findAll(re, text, label)));
}

/** Letters, digits and combining marks (the accent of a decomposed "é"): what a whole word may not touch. */
const WORD_CHAR = "[\\p{L}\\p{N}\\p{M}]";

/**
 * A detector for configured words and phrases: one regex of them all, escaped, longest first (so
 * "new york city" wins over "new york"). `wholeWords` (default true) keeps a match from touching a
 * letter or digit on either side, in any script ("café" is one word, where `\b` would split it).
 * Blank words are ignored.
 */
export function keywordDetector(words: string[], opts: { caseSensitive?: boolean; wholeWords?: boolean; label?: string } = {}): Detector {
  const label = opts.label ?? DEFAULT_LABEL;
  const alternatives = [...new Set(words.filter((w) => w.trim() !== ""))].sort((a, b) => b.length - a.length).map(escapeRegExp);
  if (alternatives.length === 0) return () => [];
  const anyWord = `(?:${alternatives.join("|")})`;
  const source = opts.wholeWords === false ? anyWord : `(?<!${WORD_CHAR})${anyWord}(?!${WORD_CHAR})`;
  const pattern = new RegExp(source, opts.caseSensitive ? "gu" : "giu");
  return (text) => findAll(pattern, text, label);
}
