import type { Gateway } from "../gateway.js";
import type { CallGuard } from "./call-guard.js";
import { requestedJson } from "./json-answer.js";
import { checkPieces, type Piece } from "./check-text.js";
import { answerText, type PromptFormat, visitAnswer, visitPrompt } from "./text-fields.js";

/** A route's request as guardrails read it. */
export interface GuardedPrompt {
  format: PromptFormat;
  /** The parsed body: redaction rewrites its strings in place. */
  body: unknown;
  /** Called after a redaction, so the route rebuilds what it derived from the body (a translation). */
  changed?(): void;
}

/** The prompt stage: the input rules on the request's text; a redaction rewrites it before anything leaves the gateway. */
export async function guardPrompt(gw: Gateway, guard: CallGuard, prompt: GuardedPrompt): Promise<void> {
  guard.json = requestedJson(prompt.format, prompt.body);
  const rules = guard.set.input;
  if (!rules.length) return;
  const pieces: Piece[] = [];
  visitPrompt(prompt.format, prompt.body, (text, message) => {
    pieces.push({ text, message });
    return undefined;
  });
  const texts = await checkPieces(gw, guard, rules, "input", pieces);
  if (!texts) return;
  let i = 0;
  visitPrompt(prompt.format, prompt.body, () => texts[i++]);
  prompt.changed?.();
}

/** The answer stage for an answer read whole: the output rules on its text, rewritten in place when one redacts (true). */
export async function guardJsonAnswer(gw: Gateway, guard: CallGuard, format: PromptFormat, json: unknown): Promise<boolean> {
  const rules = guard.set.output;
  if (!rules.length) return false;
  const pieces: Piece[] = [];
  visitAnswer(format, json, (text, message) => {
    pieces.push({ text, message });
    return undefined;
  });
  const texts = await checkPieces(gw, guard, rules, "output", pieces, { answer: answerText(format, json) });
  if (!texts) return false;
  let i = 0;
  visitAnswer(format, json, () => texts[i++]);
  return true;
}
