import type { Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env.js";
import { badRequest, GatewayError } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { CallGuard } from "../guardrails/call-guard.js";
import { checkPieces } from "../guardrails/check-text.js";
import type { GuardHit } from "../types.js";
import { parse } from "./schemas.js";

const TestSchema = v.strictObject({
  policy: v.pipe(v.string(), v.minLength(1)),
  text: v.pipe(v.string(), v.maxLength(100_000, "must be at most 100000 characters")),
  stage: v.optional(v.picklist(["input", "output"], 'must be "input" or "output"')),
});

/**
 * GET /admin/guardrails: the policies as configured, and where each applies (gateway-wide, which
 * aliases). POST /admin/guardrails/test: one policy on a sample text, and what it would do.
 */
export function guardrailRoutes(admin: Hono<AppEnv>, gw: Gateway) {
  const config = gw.config.guardrails;

  admin.get("/guardrails", (c) => {
    const aliases = (policy: string) => Object.entries(gw.config.models).filter(([, a]) => a.guardrails?.includes(policy)).map(([name]) => name);
    const policies = Object.entries(config.policies).map(([name, p]) => ({ name, gateway: config.apply.includes(name), aliases: aliases(name), rules: p.rules }));
    return c.json({ object: "guardrails", apply: config.apply, windowChars: config.windowChars, policies });
  });

  admin.post("/guardrails/test", async (c) => {
    const input = parse(TestSchema, await c.req.json().catch(() => undefined));
    const set = gw.guardrails.only(input.policy);
    if (!set) throw badRequest(`Unknown policy "${input.policy}". Policies: ${gw.guardrails.names.join(", ") || "none configured"}.`, "policy", "invalid_value");
    const stage = input.stage ?? "input";
    const hits: GuardHit[] = [];
    const guard = new CallGuard(set, hits, { clientHeaders: new Headers(), client: {} });
    const rules = stage === "input" ? set.input : set.output;
    try {
      const texts = await checkPieces(gw, guard, rules, stage, [{ text: input.text, message: 0 }], { answer: input.text });
      const acted = hits.filter((h) => h.action !== "ignore");
      const action = texts ? "redact" : acted.some((h) => h.action === "flag") ? "flag" : "allow";
      return c.json({ object: "guardrails.test", policy: input.policy, stage, action, text: texts?.[0] ?? input.text, matches: hits });
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      const action = e.code === "guardrail_blocked" ? "block" : "unavailable";
      return c.json({ object: "guardrails.test", policy: input.policy, stage, action, error: { code: e.code, message: e.message }, matches: hits });
    }
  });
}

/** Key settings may only name policies the gateway defines. */
export function knownPolicies(gw: Gateway, names: string[] | undefined) {
  const unknown = names?.find((n) => !gw.guardrails.has(n));
  if (unknown === undefined) return;
  const known = gw.guardrails.names;
  throw badRequest(`Unknown guardrail policy "${unknown}". ${known.length ? `Policies: ${known.join(", ")}.` : "This gateway configures none (guardrails.policies)."}`, "guardrails", "invalid_value");
}
