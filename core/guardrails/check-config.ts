import type { GuardrailsConfig } from "./types.js";

/** Checks that find no spans to rewrite: they can block or flag, not redact. */
const NO_SPANS = new Set(["size", "json_schema", "moderation", "judge"]);

/**
 * What the config schema can't see: names that must exist, patterns that must compile, actions
 * that make sense for their check. Returns "path: problem" for the first mistake, or undefined.
 */
export function checkGuardrails(config: GuardrailsConfig, aliases: Record<string, { guardrails?: string[] }>): string | undefined {
  const known = Object.keys(config.policies);
  const unknown = (names: string[] | undefined) => names?.find((n) => !Object.hasOwn(config.policies, n));
  const list = known.length ? `the policies are: ${known.join(", ")}` : "no policies are configured under guardrails.policies";

  const applied = unknown(config.apply);
  if (applied !== undefined) return `guardrails.apply: unknown policy "${applied}"; ${list}.`;
  for (const [alias, a] of Object.entries(aliases)) {
    const name = unknown(a.guardrails);
    if (name !== undefined) return `models.${alias}.guardrails: unknown policy "${name}"; ${list}.`;
  }

  for (const [policy, p] of Object.entries(config.policies)) {
    const names = new Set<string>();
    for (const [i, rule] of p.rules.entries()) {
      const at = `guardrails.policies.${policy}.rules.${i}`;
      if (names.has(rule.name)) return `${at}.name: "${rule.name}" is used twice in this policy; rule names must differ.`;
      names.add(rule.name);
      if (rule.action === "redact" && NO_SPANS.has(rule.type)) return `${at}.action: a ${rule.type} check finds no text to replace; use "block" or "flag".`;
      if (rule.type === "json_schema" && rule.on !== "output") return `${at}.on: a json_schema check reads the answer; set "on": "output".`;
      if (rule.type === "size" && rule.maxChars === undefined && rule.maxTokens === undefined && rule.maxMessageChars === undefined && rule.maxMessageTokens === undefined) {
        return `${at}: a size check needs maxChars, maxTokens, maxMessageChars or maxMessageTokens.`;
      }
      if (rule.type === "regex") {
        for (const [j, pattern] of rule.patterns.entries()) {
          try {
            new RegExp(pattern, "gu");
          } catch (e) {
            return `${at}.patterns.${j}: not a valid regular expression (${(e as Error).message}).`;
          }
        }
      }
    }
  }
  return undefined;
}
