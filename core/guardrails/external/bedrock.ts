import type { Gateway } from "../../gateway.js";
import { upstreamRequest } from "../../routes/chat-target.js";
import type { ExternalVerdict, GuardCheck, GuardStage } from "../types.js";
import { ExternalCheckError } from "./errors.js";
import { DEFAULT_TIMEOUT_MS, sideCall, type SideCallContext } from "./side-call.js";

type BedrockCheck = Extract<GuardCheck, { type: "bedrock" }>;

/**
 * AWS Bedrock Guardrails' ApplyGuardrail on the text, through a Bedrock provider route: signed by
 * that route's authorize (SigV4 or a Bedrock API key) with the guarded request's credential chain.
 */
export async function bedrockGuardrail(gw: Gateway, check: BedrockCheck, text: string, source: GuardStage, ctx: SideCallContext): Promise<ExternalVerdict> {
  const name = check.provider ?? "aws-bedrock";
  const route = gw.route(name);
  if (!route) throw new ExternalCheckError("bedrock", `provider "${name}" is not configured`);
  if (route.provider.id !== "aws-bedrock") throw new ExternalCheckError("bedrock", `provider "${name}" is not an AWS Bedrock provider`);
  const version = check.guardrailVersion ?? "DRAFT";
  // An ARN holds ':' and '/': one path segment, encoded (and signed encoded once more).
  const path = `/guardrail/${encodeURIComponent(check.guardrailId)}/version/${encodeURIComponent(version)}/apply`;
  const body = { source: source === "input" ? "INPUT" : "OUTPUT", content: [{ text: { text } }] };
  const { json } = await sideCall(
    gw,
    [{ route, model: `guardrail/${check.guardrailId}` }],
    ctx,
    async (c) => ({ req: upstreamRequest(c, path, body, false) }),
    check.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    "bedrock",
  );
  return verdictOf(json, text);
}

function verdictOf(json: any, text: string): ExternalVerdict {
  if (json?.action === "NONE") return { flagged: false, labels: [] };
  if (json?.action !== "GUARDRAIL_INTERVENED") throw new ExternalCheckError("bedrock", "the answer is not an ApplyGuardrail result");
  const acted = actedOn(json.assessments);
  const verdict: ExternalVerdict = { flagged: true, labels: [...new Set(acted.map((a) => a.label))] };
  const outputs = Array.isArray(json.outputs) ? json.outputs.map((o: any) => (typeof o?.text === "string" ? o.text : "")).join("") : "";
  // Masked rather than refused: the guardrail's own rewrite (e.g. "{EMAIL}") stands in for the text.
  if (outputs && outputs !== text && !acted.some((a) => a.action === "BLOCKED")) verdict.rewritten = outputs;
  return verdict;
}

/** Every policy entry that acted (BLOCKED, ANONYMIZED), as a name: a topic, a filter or entity type, a regex's name. Never its match. */
function actedOn(assessments: unknown): Array<{ label: string; action: string }> {
  const out: Array<{ label: string; action: string }> = [];
  const add = (entries: unknown, label: (e: any) => unknown) => {
    if (!Array.isArray(entries)) return;
    for (const e of entries) {
      const name = label(e);
      if (typeof e?.action === "string" && e.action !== "NONE" && typeof name === "string" && name) out.push({ label: name, action: e.action });
    }
  };
  for (const a of Array.isArray(assessments) ? assessments : []) {
    add(a?.topicPolicy?.topics, (e) => e.name);
    add(a?.contentPolicy?.filters, (e) => e.type);
    add(a?.wordPolicy?.customWords, () => "CUSTOM_WORD");
    add(a?.wordPolicy?.managedWordLists, (e) => e.type);
    add(a?.sensitiveInformationPolicy?.piiEntities, (e) => e.type);
    add(a?.sensitiveInformationPolicy?.regexes, (e) => e.name ?? "REGEX");
    add(a?.contextualGroundingPolicy?.filters, (e) => e.type);
  }
  return out;
}
