import type { Gateway } from "../gateway.js";
import type { CallGuard } from "./call-guard.js";
import { checkPieces, exceeds, type Piece, type Size } from "./check-text.js";
import { estimateTokens } from "./detectors/tokens.js";

/**
 * What a guarded stream's output rules need beyond the window: size limits, counted as the text is
 * released, and the rules that need the whole answer (json_schema when the request asked for
 * JSON, external checks), run on the released text once the upstream ended.
 */
export class StreamEndCheck {
  /** Whole-answer rules are to run: the stream's finish waits for them. */
  readonly needed: boolean;
  private readonly content = new Map<number, string>();
  private readonly args = new Map<number, string>();
  private readonly total: Size = { chars: 0, tokens: 0 };
  private readonly perChoice = new Map<number, Size>();
  private oversize = false;

  constructor(
    private readonly gw: Gateway,
    private readonly guard: CallGuard,
  ) {
    this.needed = guard.set.whole.some((r) => r.external || (r.type === "json_schema" && guard.json !== undefined));
  }

  /** Released text of one choice (its content, or a tool call's arguments). Throws the guard's error when a size limit blocks. */
  saw(choice: number, text: string, isArgs: boolean) {
    if (!text) return;
    if (this.needed) {
      const into = isArgs ? this.args : this.content;
      into.set(choice, (into.get(choice) ?? "") + text);
    }
    if (this.oversize) return;
    const sizes = this.guard.set.streamed.filter((r) => r.size);
    if (!sizes.length) return;
    const tokens = estimateTokens(text);
    this.total.chars += text.length;
    this.total.tokens += tokens;
    const mine = this.perChoice.get(choice) ?? { chars: 0, tokens: 0 };
    mine.chars += text.length;
    mine.tokens += tokens;
    this.perChoice.set(choice, mine);
    for (const rule of sizes) {
      if (!exceeds(rule.size!, this.total, mine)) continue;
      this.oversize = true;
      this.guard.hit(rule, "output", "SIZE");
      if (rule.action === "block") throw this.guard.blocked(rule, "output", "SIZE");
    }
  }

  /** The whole-answer rules on what was released; throws the guard's error when one blocks. */
  async run(): Promise<void> {
    if (!this.needed) return;
    const pieces: Piece[] = [];
    for (const [choice, text] of this.content) pieces.push({ text, message: choice });
    for (const [choice, text] of this.args) pieces.push({ text, message: choice });
    await checkPieces(this.gw, this.guard, this.guard.set.whole, "output", pieces, { answer: this.content.get(0), rewritable: false });
  }
}
