import { mergeFindings } from "./detectors/find.js";
import type { CompiledRule } from "./policy.js";
import type { Finding, GuardStage } from "./types.js";

/** What a rule's detector found in a text. */
export interface RuleFindings {
  rule: CompiledRule;
  findings: Finding[];
}

/** Where the hits of a call are counted (CallGuard). */
export interface HitSink {
  hit(rule: CompiledRule, stage: GuardStage, label: string): void;
}

export interface SpanOutcome {
  /** The range's text, its redacted spans replaced by `[LABEL]`. */
  text: string;
  /** The first block rule that matched in the range. */
  blockedBy?: CompiledRule;
  /** What it matched: labels only, never the text. */
  blockedLabel?: string;
}

/** Every span detector of `rules` over `text`; rules that found nothing are left out. */
export function findAll(rules: readonly CompiledRule[], text: string): RuleFindings[] {
  const out: RuleFindings[] = [];
  for (const rule of rules) {
    if (!rule.detect) continue;
    const findings = rule.detect(text);
    if (findings.length) out.push({ rule, findings });
  }
  return out;
}

/** `cut` moved back to the start of any finding that runs across it (never below `from`), so a match is acted on whole. */
export function safeCut(found: readonly RuleFindings[], from: number, cut: number): number {
  let at = cut;
  for (const { findings } of found) {
    for (const f of findings) if (f.start < at && f.end > at) at = Math.max(from, f.start);
  }
  return at;
}

/**
 * Acts on the findings that touch text[from, to): each is counted once, block rules block, redact
 * rules' spans (clipped to the range) are replaced by their label, flag and ignore rules are only
 * counted. The strictest action wins where rules overlap.
 */
export function applyFindings(found: readonly RuleFindings[], text: string, from: number, to: number, stage: GuardStage, sink: HitSink): SpanOutcome {
  let redactions: Finding[][] | undefined;
  let blockedBy: CompiledRule | undefined;
  let blockedLabel: string | undefined;
  for (const { rule, findings } of found) {
    let mine: Finding[] | undefined;
    for (const f of findings) {
      if (f.end <= from || f.start >= to) continue;
      sink.hit(rule, stage, f.label);
      if (rule.action === "block" && !blockedBy) [blockedBy, blockedLabel] = [rule, f.label];
      else if (rule.action === "redact") (mine ??= []).push({ start: Math.max(f.start, from), end: Math.min(f.end, to), label: f.label });
    }
    if (mine) (redactions ??= []).push(mine);
  }
  if (blockedBy) return { text: "", blockedBy, blockedLabel };
  if (!redactions) return { text: from === 0 && to === text.length ? text : text.slice(from, to) };
  let out = "";
  let at = from;
  for (const f of mergeFindings(redactions)) {
    out += `${text.slice(at, f.start)}[${f.label}]`;
    at = f.end;
  }
  return { text: out + text.slice(at, to) };
}
