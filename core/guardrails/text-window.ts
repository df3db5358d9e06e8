import type { CallGuard } from "./call-guard.js";
import type { CompiledRule } from "./policy.js";
import { applyFindings, findAll, safeCut } from "./spans.js";

/** Released text kept as left context for the detectors (a word boundary, a "password:" before a value). */
const CONTEXT = 128;

/**
 * One streamed text (a choice's content, a tool call's arguments) under the output span rules:
 * the last `window` characters are held back, so a match split across chunks is seen whole before
 * any of it leaves; what is released is checked and, where a rule redacts, rewritten. A match
 * running across the release point holds the point back to the match's start, at most up to a
 * second window (a pattern that never stops matching can't hold the whole answer).
 */
export class TextWindow {
  private pending = "";
  private context = "";

  constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly window: number,
    private readonly guard: CallGuard,
  ) {}

  /** Takes a delta; returns the text that may go now ("" while it is all held). Throws the guard's error when a block rule matched. */
  push(delta: string): string {
    this.pending += delta;
    if (this.pending.length <= this.window) return "";
    return this.release(this.pending.length - this.window, false);
  }

  /** The end of this text: everything held, checked. */
  flush(): string {
    return this.pending ? this.release(this.pending.length, true) : "";
  }

  private release(cut: number, final: boolean): string {
    const text = this.context + this.pending;
    const from = this.context.length;
    const found = findAll(this.rules, text);
    let to = from + cut;
    if (!final && found.length) {
      const safe = safeCut(found, from, to);
      if (safe > from || this.pending.length <= 2 * this.window) to = safe;
    }
    if (to <= from) return "";
    const out = found.length ? applyFindings(found, text, from, to, "output", this.guard) : { text: text.slice(from, to), blockedBy: undefined, blockedLabel: undefined };
    if (out.blockedBy) throw this.guard.blocked(out.blockedBy, "output", out.blockedLabel);
    const released = this.pending.slice(0, to - from);
    this.pending = this.pending.slice(to - from);
    this.context = (this.context + released).slice(-CONTEXT);
    return out.text;
  }
}
