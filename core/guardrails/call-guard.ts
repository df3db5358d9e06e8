import { GatewayError } from "../errors.js";
import type { GuardHit } from "../types.js";
import type { SideCallContext } from "./external/side-call.js";
import type { RequestedJson } from "./json-answer.js";
import type { CompiledRule, GuardSet } from "./policy.js";
import type { HitSink } from "./spans.js";
import type { GuardStage } from "./types.js";

const MAX_LABELS = 10;

/**
 * One call's guardrails: the rules that apply, what they matched (into the call record, for the
 * log and analytics), and what the client is told: the x-strait-guardrails and cf-aig-dlp headers,
 * the guardrail_blocked error.
 */
export class CallGuard implements HitSink {
  /** Set when any rule flagged: the answer is not cached. */
  flagged = false;
  /** The JSON the request asked the answer to be, if any (for json_schema rules). */
  json?: RequestedJson;

  constructor(
    readonly set: GuardSet,
    private readonly hits: GuardHit[],
    /** The guarded request's own credentials and headers: external checks use them as its upstream call would. */
    readonly side: SideCallContext,
  ) {}

  hit(rule: CompiledRule, stage: GuardStage, label?: string, count = 1) {
    let h = this.hits.find((x) => x.rule === rule.name && x.policy === rule.policy && x.stage === stage);
    if (!h) this.hits.push((h = { policy: rule.policy, rule: rule.name, stage, action: rule.action, count: 0 }));
    h.count += count;
    if (label && !h.labels?.includes(label) && (h.labels?.length ?? 0) < MAX_LABELS) (h.labels ??= []).push(label);
    if (rule.action === "flag") this.flagged = true;
  }

  /** An external check failed and its failure mode let the text through: recorded, and never cached. */
  failedOpen(rule: CompiledRule, stage: GuardStage) {
    this.hit(rule, stage, undefined, 0);
    this.hits.find((x) => x.rule === rule.name && x.policy === rule.policy && x.stage === stage)!.failedOpen = true;
    this.flagged = true;
  }

  /** The answer headers naming what acted (none when nothing did). */
  headers(): Record<string, string> {
    const acted = this.hits.filter((h) => h.action !== "ignore" && h.count > 0);
    if (!acted.length) return {};
    const pairs = [...new Set(acted.map((h) => `${h.policy}:${h.action}`))];
    return { "x-strait-guardrails": pairs.join(", "), "cf-aig-dlp": JSON.stringify(dlp(acted)) };
  }

  /** The 403 for text a block rule matched: it names the policy, the rule and the kind of match, never the text. */
  blocked(rule: CompiledRule, stage: GuardStage, label?: string, detail?: string): GatewayError {
    const what = stage === "input" ? "The request" : "The answer";
    const fix = stage === "input" ? "Remove that content and send the request again." : "The answer was withheld; rephrase the request.";
    const kind = detail ? ` (${detail})` : label ? ` (${label.toLowerCase().replaceAll("_", " ")})` : "";
    return new GatewayError(403, `${what} was blocked by guardrail policy "${rule.policy}", rule "${rule.name}"${kind}. ${fix}`, "invalid_request_error", "guardrail_blocked", null, this.headers());
  }

  /** A check that could not run, its failure mode "closed": the text does not pass unchecked. */
  unavailable(rule: CompiledRule, stage: GuardStage, reason: string): GatewayError {
    const what = stage === "input" ? "request" : "answer";
    return new GatewayError(
      503,
      `Guardrail policy "${rule.policy}", rule "${rule.name}" could not check the ${what} (${reason}) and is set to fail closed. Try again, or set its onError to "open".`,
      "api_error",
      "guardrail_unavailable",
      null,
      this.headers(),
    );
  }
}

/** Cloudflare AI Gateway's cf-aig-dlp shape: findings per policy and check, the strictest action (BLOCK, else FLAG). */
function dlp(hits: GuardHit[]) {
  const findings = new Map<string, { profile: { context: object; entry_ids: string[]; profile_id: string }; policy_ids: string[]; check: "REQUEST" | "RESPONSE" }>();
  for (const h of hits) {
    const check = h.stage === "input" ? "REQUEST" : "RESPONSE";
    const key = `${h.policy}\n${check}`;
    let f = findings.get(key);
    if (!f) findings.set(key, (f = { profile: { context: {}, entry_ids: [], profile_id: h.policy }, policy_ids: [h.policy], check }));
    if (!f.profile.entry_ids.includes(h.rule)) f.profile.entry_ids.push(h.rule);
  }
  return { findings: [...findings.values()], action: hits.some((h) => h.action === "block") ? "BLOCK" : "FLAG" };
}
