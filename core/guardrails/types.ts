/**
 * Guardrail policies as configured (`guardrails` in strait.config.json): named policies of rules,
 * applied gateway-wide, per virtual key and per model alias. Every policy that applies runs; where
 * several act on the same text the strictest action wins (block > redact > flag > ignore).
 */

export type GuardAction = "block" | "redact" | "flag" | "ignore";
/** What a rule reads: the prompt (messages, system, tool results) or the answer (text, tool-call arguments). */
export type GuardStage = "input" | "output";
/** An external check that times out or fails: "open" lets the text through (recorded), "closed" refuses it. */
export type FailureMode = "open" | "closed";

export const PII_KINDS = ["email", "phone", "card", "iban", "ssn", "ip"] as const;
export type PiiKind = (typeof PII_KINDS)[number];
export const SECRET_KINDS = ["aws_access_key", "private_key", "openai_key", "anthropic_key", "google_key", "strait_key", "jwt"] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export interface ExternalSettings {
  /** Milliseconds the check may take (default 3000). */
  timeoutMs?: number;
  /** What a failed or timed-out check means (default "closed"). */
  onError?: FailureMode;
}

export type GuardCheck =
  /** Regular expressions (JavaScript syntax, no flags but case). */
  | { type: "regex"; patterns: string[]; caseSensitive?: boolean; label?: string }
  /** Words or phrases; whole words by default, case ignored by default. */
  | { type: "keywords"; words: string[]; caseSensitive?: boolean; wholeWords?: boolean; label?: string }
  /** Personal data detectors; absent = all of them. */
  | { type: "pii"; detect?: PiiKind[] }
  /** Credential detectors; absent = all of them. */
  | { type: "secrets"; detect?: SecretKind[] }
  /** Size limits: characters and estimated tokens, per message and in total. */
  | { type: "size"; maxChars?: number; maxTokens?: number; maxMessageChars?: number; maxMessageTokens?: number }
  /** The answer must be JSON valid against the schema the request asked for (response_format, output_format, text.format). */
  | { type: "json_schema" }
  /** AWS Bedrock Guardrails' ApplyGuardrail, signed with the Bedrock provider's credential chain. */
  | ({ type: "bedrock"; guardrailId: string; guardrailVersion?: string; provider?: string } & ExternalSettings)
  /** OpenAI's moderations endpoint through a configured provider (default "openai"). */
  | ({ type: "moderation"; provider?: string; model?: string; categories?: string[] } & ExternalSettings)
  /** A configured model as a judge: a Llama-Guard-style prompt, its first line "safe" or "unsafe". */
  | ({ type: "judge"; model: string; prompt?: string } & ExternalSettings);

export type GuardRule = { name: string; on: GuardStage | "both"; action: GuardAction } & GuardCheck;

export interface GuardPolicy {
  rules: GuardRule[];
}

export interface GuardrailsConfig {
  policies: Record<string, GuardPolicy>;
  /** Policies every request runs. */
  apply: string[];
  /** Characters of a streamed answer held back so a match split across chunks is caught (default 256). */
  windowChars: number;
}

/** One detected span of text: `[label]` replaces it when the rule redacts. */
export interface Finding {
  start: number;
  end: number;
  label: string;
}

/** Finds spans in a text: sorted by start, not overlapping. Pure and synchronous; safe on any substring. */
export type Detector = (text: string) => Finding[];

/** What an external check said about a text. */
export interface ExternalVerdict {
  /** The check objects to the text. */
  flagged: boolean;
  /** The check's own rewrite of the text (Bedrock's anonymised output), when it masked rather than refused. */
  rewritten?: string;
  /** Category names (for the log and the header; never the text). */
  labels: string[];
}
