import type { Gateway } from "../../gateway.js";
import type { ExternalVerdict, GuardCheck, GuardStage } from "../types.js";
import { bedrockGuardrail } from "./bedrock.js";
import { judge } from "./judge.js";
import { moderate } from "./moderation.js";
import { DEFAULT_TIMEOUT_MS, type SideCallContext } from "./side-call.js";

export type ExternalCheck = Extract<GuardCheck, { type: "bedrock" | "moderation" | "judge" }>;

/** One external check on a text, within its `timeoutMs` (default 3000); throws ExternalCheckError when it gives no verdict. */
export function runExternal(gw: Gateway, check: ExternalCheck, text: string, source: GuardStage, ctx: SideCallContext): Promise<ExternalVerdict> {
  const timed = { ...check, timeoutMs: check.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  switch (timed.type) {
    case "bedrock":
      return bedrockGuardrail(gw, timed, text, source, ctx);
    case "moderation":
      return moderate(gw, timed, text, ctx);
    case "judge":
      return judge(gw, timed, text, source, ctx);
  }
}

export { ExternalCheckError } from "./errors.js";
export type { SideCallContext } from "./side-call.js";
