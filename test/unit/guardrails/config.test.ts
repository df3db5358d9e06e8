/** Guardrail settings: what a config may say, and the start-up error that names a mistake. */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../core/config.js";

const load = (guardrails: unknown, models?: unknown) => loadConfig({ guardrails, models }, {});
const error = (guardrails: unknown, models?: unknown) => {
  try {
    load(guardrails, models);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a config error");
};
const rule = (r: object) => ({ policies: { p: { rules: [{ name: "r", action: "block", ...r }] } } });

describe("guardrails config", () => {
  it("defaults: no policies, a 256-character window, rules on both sides (json_schema: the answer)", () => {
    expect(loadConfig({}, {}).guardrails).toEqual({ policies: {}, apply: [], windowChars: 256 });
    const c = load({ policies: { p: { rules: [{ name: "a", type: "pii", action: "redact" }, { name: "b", type: "json_schema", action: "flag" }] } } });
    expect(c.guardrails.policies.p!.rules.map((r) => r.on)).toEqual(["both", "output"]);
    expect(loadConfig({}, { STRAIT_GUARDRAIL_WINDOW: "512" }).guardrails.windowChars).toBe(512);
  });

  it("names the mistake and where it is", () => {
    expect(error({ apply: ["nope"], policies: {} })).toBe('Config error at guardrails.apply: unknown policy "nope"; no policies are configured under guardrails.policies.');
    expect(error({ policies: { p: { rules: [{ name: "r", type: "pii", action: "flag" }] } } }, { fast: { targets: ["mock/echo"], guardrails: ["q"] } })).toBe(
      'Config error at models.fast.guardrails: unknown policy "q"; the policies are: p.',
    );
    expect(error(rule({ type: "regex", patterns: ["(unclosed"] }))).toMatch(/^Config error at guardrails\.policies\.p\.rules\.0\.patterns\.0: not a valid regular expression/);
    expect(error(rule({ type: "size", maxChars: 10, action: "redact" }))).toContain('a size check finds no text to replace; use "block" or "flag"');
    expect(error(rule({ type: "json_schema", on: "input" }))).toContain('a json_schema check reads the answer; set "on": "output"');
    expect(error(rule({ type: "size" }))).toContain("a size check needs maxChars, maxTokens, maxMessageChars or maxMessageTokens");
    expect(error(rule({ type: "pii", detect: ["passport"] }))).toContain("guardrails.policies.p.rules.0.detect.0");
    expect(error(rule({ type: "pii", detct: ["email"] }))).toContain('unknown setting "detct"; did you mean "detect"?');
    expect(error(rule({ type: "bedrock", guardrailId: "bad id!" }))).toContain("must be a Bedrock guardrail id or ARN");
    expect(error(rule({ type: "judge", model: "mock/judge", prompt: "no placeholder" }))).toContain('must contain "{text}"');
    expect(error({ policies: { p: { rules: [{ name: "r", type: "pii", action: "flag" }, { name: "r", type: "secrets", action: "flag" }] } } })).toContain('"r" is used twice in this policy');
    expect(error({ policies: { "bad name": { rules: [{ name: "r", type: "pii", action: "flag" }] } } })).toContain("names are 1 to 64 letters");
  });
});
