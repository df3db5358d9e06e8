import { badRequest } from "../errors.js";
import type { ChatRequest } from "../types.js";

/**
 * What a native provider does with an OpenAI request field it has no equivalent for. "drop": a
 * sampling hint the answer can be correct without (documented); "reject": a 400, because the
 * client expects something in the answer we can't give.
 */
export type UnsupportedParams = Record<string, "drop" | "reject">;

/**
 * The OpenAI request fields that neither Anthropic nor Gemini has an equivalent for. Each
 * provider's table (its mappings.ts) spreads this and adds its own rows.
 */
export const NATIVE_UNSUPPORTED: UnsupportedParams = {
  logit_bias: "drop",
  store: "drop",
  service_tier: "drop",
  prediction: "reject",
  logprobs: "reject",
  top_logprobs: "reject",
  audio: "reject",
  modalities: "reject",
};

/**
 * Throws a 400 `<who> does not support "<field>".` for the first "reject" field the request sets
 * (false, null and text-only modalities count as not set); "drop" fields are left for the mapper to ignore.
 */
export function rejectUnsupported(body: ChatRequest, table: UnsupportedParams, who: string): void {
  for (const [field, what] of Object.entries(table)) {
    const v = body[field];
    if (what !== "reject" || v == null || v === false) continue;
    if (field === "modalities" && Array.isArray(v) && v.every((x) => x === "text")) continue;
    throw badRequest(`${who} does not support "${field}".`, field, "unsupported_parameter");
  }
}
