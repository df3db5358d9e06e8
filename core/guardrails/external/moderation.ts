import type { Gateway } from "../../gateway.js";
import { upstreamRequest } from "../../routes/chat-target.js";
import type { ExternalVerdict, GuardCheck } from "../types.js";
import { ExternalCheckError } from "./errors.js";
import { DEFAULT_TIMEOUT_MS, sideCall, type SideCallContext } from "./side-call.js";

type ModerationCheck = Extract<GuardCheck, { type: "moderation" }>;

/**
 * OpenAI's moderations endpoint (or any provider serving it) on the text. With `categories`, only
 * those count: the text is flagged when one of them is, and only they are reported.
 */
export async function moderate(gw: Gateway, check: ModerationCheck, text: string, ctx: SideCallContext): Promise<ExternalVerdict> {
  const name = check.provider ?? "openai";
  const route = gw.route(name);
  if (!route) throw new ExternalCheckError("moderation", `provider "${name}" is not configured`);
  const model = check.model ?? "omni-moderation-latest";
  const { json } = await sideCall(
    gw,
    [{ route, model }],
    ctx,
    // The OpenAI-speaking providers' base URL ends in /v1, as for /chat/completions.
    async (c) => ({ req: upstreamRequest(c, "/moderations", { model: c.model, input: text }, false) }),
    check.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    "moderation",
  );
  const result = Array.isArray(json?.results) ? json.results[0] : undefined;
  const categories = result?.categories;
  if (!categories || typeof categories !== "object") throw new ExternalCheckError("moderation", "the answer is not a moderation result");
  const considered = check.categories;
  const labels = Object.keys(categories).filter((c) => categories[c] === true && (!considered || considered.includes(c)));
  return { flagged: considered ? labels.length > 0 : result.flagged === true, labels };
}
