import { GatewayError } from "../errors.js";
import { mergeFindings } from "./detectors/find.js";
import { keywordDetector, regexDetector } from "./detectors/patterns.js";
import { PII_DETECTORS } from "./detectors/pii.js";
import { SECRET_DETECTORS } from "./detectors/secrets.js";
import { type Detector, type GuardAction, type GuardCheck, type GuardrailsConfig, type GuardRule, PII_KINDS, SECRET_KINDS } from "./types.js";

export type ExternalCheck = Extract<GuardCheck, { type: "bedrock" | "moderation" | "judge" }>;

/** One configured rule, ready to run. */
export interface CompiledRule {
  policy: string;
  name: string;
  type: GuardCheck["type"];
  action: GuardAction;
  input: boolean;
  output: boolean;
  /** Span detectors (regex, keywords, pii, secrets): run on any text, a stream's window included. */
  detect?: Detector;
  size?: Extract<GuardCheck, { type: "size" }>;
  external?: ExternalCheck;
}

/** The rules one request runs: every policy that applies to it, gateway's, key's and alias's. */
export interface GuardSet {
  /** The policies, in order, without repeats. */
  policies: string[];
  /** The policies as one string: part of the cache key, so an answer is only replayed under the same policies. */
  id: string;
  input: CompiledRule[];
  output: CompiledRule[];
  /** Output rules a stream checks as it passes (span detectors and size). */
  streamed: CompiledRule[];
  /** Output rules that need the whole answer: on a stream they run when it ends. */
  whole: CompiledRule[];
  windowChars: number;
}

const RANK: Record<GuardAction, number> = { ignore: 0, flag: 1, redact: 2, block: 3 };
/** The strictest of two actions. */
export const stricter = (a: GuardAction, b: GuardAction): GuardAction => (RANK[a] >= RANK[b] ? a : b);

/** The configured policies, compiled once per gateway; the sets per combination of policies are kept. */
export class Guardrails {
  private readonly rules = new Map<string, CompiledRule[]>();
  private readonly sets = new Map<string, GuardSet | undefined>();

  constructor(private readonly config: GuardrailsConfig) {
    for (const [policy, p] of Object.entries(config.policies)) this.rules.set(policy, p.rules.map((r) => compile(policy, r)));
  }

  get names(): string[] {
    return [...this.rules.keys()];
  }

  has(policy: string): boolean {
    return this.rules.has(policy);
  }

  /** One policy alone (the admin's test endpoint); undefined when it does not exist. */
  only(policy: string): GuardSet | undefined {
    return this.rules.has(policy) ? this.build([policy]) : undefined;
  }

  /** The set for a request: the gateway's policies, its key's, its alias's; undefined when none apply. */
  forCall(key: readonly string[] | undefined, alias: readonly string[] | undefined): GuardSet | undefined {
    if (!this.config.apply.length && !key?.length && !alias?.length) return undefined;
    const missing = key?.find((name) => !this.rules.has(name));
    if (missing !== undefined) {
      // Fail closed: a key whose policy went missing from the config must not run unguarded.
      throw new GatewayError(503, `This key names guardrail policy "${missing}", which the gateway's config no longer defines. Ask the gateway's admin to restore it or update the key.`, "api_error", "guardrail_unavailable");
    }
    const id = [...this.config.apply, ...(key ?? []), ...(alias ?? [])].join(",");
    if (this.sets.has(id)) return this.sets.get(id);
    const set = this.build([...new Set(id.split(",").filter(Boolean))]);
    if (this.sets.size > 1000) this.sets.clear(); // keys name policies freely: bounded
    this.sets.set(id, set);
    return set;
  }

  private build(policies: string[]): GuardSet | undefined {
    const rules = policies.flatMap((p) => this.rules.get(p) ?? []);
    if (!rules.length) return undefined;
    const output = rules.filter((r) => r.output);
    return {
      policies,
      id: policies.join(","),
      input: rules.filter((r) => r.input),
      output,
      streamed: output.filter((r) => r.detect || r.size),
      whole: output.filter((r) => !r.detect && !r.size),
      windowChars: this.config.windowChars,
    };
  }
}

function compile(policy: string, rule: GuardRule): CompiledRule {
  const compiled: CompiledRule = {
    policy,
    name: rule.name,
    type: rule.type,
    action: rule.action,
    input: rule.on !== "output",
    output: rule.on !== "input",
  };
  switch (rule.type) {
    case "regex":
      compiled.detect = regexDetector(rule.patterns, { caseSensitive: rule.caseSensitive, label: rule.label });
      break;
    case "keywords":
      compiled.detect = keywordDetector(rule.words, { caseSensitive: rule.caseSensitive, wholeWords: rule.wholeWords, label: rule.label });
      break;
    case "pii":
      compiled.detect = combine((rule.detect ?? PII_KINDS).map((k) => PII_DETECTORS[k]));
      break;
    case "secrets":
      compiled.detect = combine((rule.detect ?? SECRET_KINDS).map((k) => SECRET_DETECTORS[k]));
      break;
    case "size":
      compiled.size = rule;
      break;
    case "json_schema":
      break;
    default:
      compiled.external = rule;
  }
  return compiled;
}

function combine(detectors: Detector[]): Detector {
  if (detectors.length === 1) return detectors[0]!;
  return (text) => {
    let lists: ReturnType<Detector>[] | undefined;
    for (const d of detectors) {
      const found = d(text);
      if (found.length) (lists ??= []).push(found);
    }
    return !lists ? [] : lists.length === 1 ? lists[0]! : mergeFindings(lists);
  };
}
