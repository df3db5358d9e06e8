import type { Gateway } from "../gateway.js";
import type { CallGuard } from "./call-guard.js";
import { estimateTokens } from "./detectors/tokens.js";
import { ExternalCheckError, runExternal } from "./external/index.js";
import { jsonViolation } from "./json-answer.js";
import type { CompiledRule } from "./policy.js";
import { applyFindings, findAll } from "./spans.js";
import type { GuardStage } from "./types.js";

/** A text a guardrail reads, and the message (or choice) it belongs to. */
export interface Piece {
  text: string;
  message: number;
}

/** Joins pieces for one external check, and splits the check's rewrite back (Bedrock's masking keeps the rest of the text as it was). */
export const PIECE_SEPARATOR = "\n\n\u2063\n\n";

/**
 * The whole-text rules on a list of pieces (a prompt, or a JSON answer): span detectors on each
 * piece, size over pieces and messages, then the external checks on what is left after redaction.
 * Throws the guard's blocked or unavailable error; returns the pieces' new texts when a rule
 * redacted (undefined when nothing changed). `answer`: the answer's main text, for json_schema
 * rules; `rewritable` false: the text has left already (a stream's end), so a redaction blocks.
 */
export async function checkPieces(
  gw: Gateway,
  guard: CallGuard,
  rules: readonly CompiledRule[],
  stage: GuardStage,
  pieces: Piece[],
  opts: { answer?: string; rewritable?: boolean } = {},
): Promise<string[] | undefined> {
  const { answer, rewritable = true } = opts;
  let texts: string[] | undefined;
  for (let i = 0; i < pieces.length; i++) {
    const text = pieces[i]!.text;
    const found = findAll(rules, text);
    if (!found.length) continue;
    const out = applyFindings(found, text, 0, text.length, stage, guard);
    if (out.blockedBy) throw guard.blocked(out.blockedBy, stage, out.blockedLabel);
    if (out.text !== text) (texts ??= pieces.map((p) => p.text))[i] = out.text;
  }

  for (const rule of rules) {
    if (rule.size && overSize(rule.size, pieces)) {
      guard.hit(rule, stage, "SIZE");
      if (rule.action === "block") throw guard.blocked(rule, stage, "SIZE");
    }
    if (rule.type === "json_schema" && answer !== undefined) await checkJson(guard, rule, answer);
  }

  const external = rules.filter((r) => r.external);
  if (!external.length) return texts;
  const current = texts ?? pieces.map((p) => p.text);
  if (!current.some((t) => t.trim())) return texts; // nothing to ask about (an embeddings answer, tool calls only)
  const joined = current.join(PIECE_SEPARATOR);
  const verdicts = await Promise.all(
    external.map((rule) =>
      runExternal(gw, rule.external!, joined, stage, guard.side).then(
        (verdict) => ({ rule, verdict, error: undefined }),
        (error: unknown) => ({ rule, verdict: undefined, error }),
      ),
    ),
  );
  let rewritten: string[] | undefined;
  for (const { rule, verdict, error } of verdicts) {
    if (!verdict) {
      if (!(error instanceof ExternalCheckError)) throw error;
      if ((rule.external!.onError ?? "closed") === "closed") throw guard.unavailable(rule, stage, error.reason);
      guard.failedOpen(rule, stage);
      continue;
    }
    if (!verdict.flagged) continue;
    for (const label of verdict.labels.length ? verdict.labels : [rule.type.toUpperCase()]) guard.hit(rule, stage, label);
    // A redaction the check could not spell out, or one of text already sent (a stream's end), can only block.
    if (rule.action === "block" || (rule.action === "redact" && (verdict.rewritten === undefined || !rewritable))) throw guard.blocked(rule, stage, verdict.labels[0]);
    if (rule.action === "redact" && !rewritten) {
      const parts = verdict.rewritten!.split(PIECE_SEPARATOR);
      if (parts.length !== current.length) throw guard.unavailable(rule, stage, "its masked text could not be matched to the original parts");
      rewritten = parts;
    }
  }
  return rewritten ?? texts;
}

/** The json_schema rule on an answer's text, when the request asked for JSON. */
export async function checkJson(guard: CallGuard, rule: CompiledRule, answer: string) {
  if (!guard.json) return;
  const why = await jsonViolation(answer, guard.json);
  if (!why) return;
  guard.hit(rule, "output", "JSON_SCHEMA");
  if (rule.action === "block") throw guard.blocked(rule, "output", "JSON_SCHEMA", why);
}

function overSize(limit: SizeLimit, pieces: Piece[]): boolean {
  const total = { chars: 0, tokens: 0 };
  const perMessage = new Map<number, Size>();
  const needTokens = limit.maxTokens !== undefined || limit.maxMessageTokens !== undefined;
  for (const p of pieces) {
    const t = needTokens ? estimateTokens(p.text) : 0;
    total.chars += p.text.length;
    total.tokens += t;
    const m = perMessage.get(p.message) ?? { chars: 0, tokens: 0 };
    m.chars += p.text.length;
    m.tokens += t;
    perMessage.set(p.message, m);
  }
  for (const m of perMessage.values()) if (exceeds(limit, total, m)) return true;
  return exceeds(limit, total, { chars: 0, tokens: 0 });
}

type SizeLimit = NonNullable<CompiledRule["size"]>;
export interface Size {
  chars: number;
  tokens: number;
}

/** Whether a text's size (in total, and of one of its messages) is over a size rule's limits. */
export function exceeds(limit: SizeLimit, total: Size, message: Size): boolean {
  return (
    (limit.maxChars !== undefined && total.chars > limit.maxChars) ||
    (limit.maxTokens !== undefined && total.tokens > limit.maxTokens) ||
    (limit.maxMessageChars !== undefined && message.chars > limit.maxMessageChars) ||
    (limit.maxMessageTokens !== undefined && message.tokens > limit.maxMessageTokens)
  );
}
