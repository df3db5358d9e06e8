import * as v from "valibot";
import { once } from "../once.js";
import { positiveInt, strict } from "../strict-schema.js";
import { PII_KINDS, SECRET_KINDS } from "./types.js";

/** The `guardrails` section of the config file, as valibot checks it (core/config.ts turns it into GuardrailsConfig); built on first use. */
export const guardrailsSchema = once(() => {
  const guardName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, "names are 1 to 64 letters, digits, . _ -"));
  const guardLabel = v.pipe(v.string(), v.regex(/^[A-Z0-9_]{1,32}$/, "labels are 1 to 32 upper-case letters, digits, _"));
  const guardBase = { name: guardName, on: v.optional(v.picklist(["input", "output", "both"])), action: v.picklist(["block", "redact", "flag", "ignore"]) };
  const guardExternal = {
    timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60_000))),
    onError: v.optional(v.picklist(["open", "closed"])),
  };
  const nonEmptyList = (max: number) => v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(max))), v.minLength(1, "needs at least one entry"));
  const sizeLimit = v.optional(positiveInt());
  const GuardRuleSchema = v.variant("type", [
    strict({ ...guardBase, type: v.literal("regex"), patterns: nonEmptyList(1000), caseSensitive: v.optional(v.boolean()), label: v.optional(guardLabel) }, "a regex rule's settings are"),
    strict({ ...guardBase, type: v.literal("keywords"), words: nonEmptyList(200), caseSensitive: v.optional(v.boolean()), wholeWords: v.optional(v.boolean()), label: v.optional(guardLabel) }, "a keywords rule's settings are"),
    strict({ ...guardBase, type: v.literal("pii"), detect: v.optional(v.pipe(v.array(v.picklist(PII_KINDS)), v.minLength(1))) }, "a pii rule's settings are"),
    strict({ ...guardBase, type: v.literal("secrets"), detect: v.optional(v.pipe(v.array(v.picklist(SECRET_KINDS)), v.minLength(1))) }, "a secrets rule's settings are"),
    strict({ ...guardBase, type: v.literal("size"), maxChars: sizeLimit, maxTokens: sizeLimit, maxMessageChars: sizeLimit, maxMessageTokens: sizeLimit }, "a size rule's settings are"),
    strict({ ...guardBase, type: v.literal("json_schema") }, "a json_schema rule's settings are"),
    strict(
      {
        ...guardBase,
        ...guardExternal,
        type: v.literal("bedrock"),
        guardrailId: v.pipe(v.string(), v.regex(/^(arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:guardrail\/)?[a-z0-9]{1,64}$/, "must be a Bedrock guardrail id or ARN")),
        guardrailVersion: v.optional(v.pipe(v.string(), v.regex(/^(DRAFT|[1-9]\d{0,7})$/, 'must be "DRAFT" or a version number'))),
        provider: v.optional(v.string()),
      },
      "a bedrock rule's settings are",
    ),
    strict({ ...guardBase, ...guardExternal, type: v.literal("moderation"), provider: v.optional(v.string()), model: v.optional(v.string()), categories: v.optional(nonEmptyList(100)) }, "a moderation rule's settings are"),
    strict({ ...guardBase, ...guardExternal, type: v.literal("judge"), model: v.pipe(v.string(), v.minLength(1)), prompt: v.optional(v.pipe(v.string(), v.includes("{text}", 'must contain "{text}"'), v.maxLength(20_000))) }, "a judge rule's settings are"),
  ]);
  return strict({
    policies: v.optional(v.record(guardName, strict({ rules: v.pipe(v.array(GuardRuleSchema), v.minLength(1, "a policy needs at least one rule")) }, "a policy's settings are"))),
    apply: v.optional(v.array(v.string())),
    windowChars: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(8192))),
  });
});
