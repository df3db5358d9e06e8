import type { Usage } from "../types.js";

/**
 * Token usage in OpenAI's shape, one normaliser per wire shape. Every route and translator uses
 * these, so one call costs the same whether it came through /v1 or a pass-through route.
 */

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const numberOr = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** OpenAI chat / completions / embeddings: already the shape; missing counts become 0. */
export function openAIUsage(u: Raw): Usage {
  const prompt = n(u.prompt_tokens);
  const completion = n(u.completion_tokens);
  return { ...u, prompt_tokens: prompt, completion_tokens: completion, total_tokens: numberOr(u.total_tokens) ?? prompt + completion };
}

// Cache writes, the same on every provider: prompt_tokens_details.cache_write_tokens counts every
// prompt token written to the provider's cache, cache_write_1h_tokens those of them kept for an
// hour (Anthropic's and Bedrock's 1-hour TTL; the rest are 5-minute writes). Absent means none.

/** OpenAI Responses: input_tokens already includes cached tokens. */
export function responsesUsage(u: Raw): Usage {
  const prompt = n(u.input_tokens);
  const completion = n(u.output_tokens);
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: numberOr(u.total_tokens) ?? prompt + completion };
  const details = u.input_tokens_details as Raw | undefined;
  const cached = numberOr(details?.cached_tokens);
  const written = numberOr(details?.cache_write_tokens);
  const reasoning = numberOr((u.output_tokens_details as Raw | undefined)?.reasoning_tokens);
  if (cached !== undefined) out.prompt_tokens_details = { cached_tokens: cached };
  if (written) out.prompt_tokens_details = { ...out.prompt_tokens_details, cache_write_tokens: written };
  if (reasoning !== undefined) out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

/**
 * Anthropic Messages: input_tokens excludes cache reads and cache writes; OpenAI's prompt_tokens
 * counts all of it. cache_creation splits the writes by TTL (ephemeral_5m / ephemeral_1h_input_tokens).
 */
export function anthropicUsage(u: Raw): Usage {
  const cacheRead = n(u.cache_read_input_tokens);
  const cacheWrite = n(u.cache_creation_input_tokens);
  const prompt = n(u.input_tokens) + cacheRead + cacheWrite;
  const completion = n(u.output_tokens);
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheWrite },
  };
  const write1h = isObject(u.cache_creation) ? n(u.cache_creation.ephemeral_1h_input_tokens) : 0;
  if (write1h) usage.prompt_tokens_details!.cache_write_1h_tokens = Math.min(write1h, cacheWrite);
  return usage;
}

/**
 * Gemini usageMetadata: promptTokenCount already includes cached tokens; tool-use prompt tokens
 * are billed as input; thinking tokens are billed as output, so they count in completion_tokens
 * (as OpenAI counts reasoning tokens) and show in reasoning_tokens.
 */
export function geminiUsage(u: Raw): Usage {
  const prompt = n(u.promptTokenCount) + n(u.toolUsePromptTokenCount);
  const thoughts = n(u.thoughtsTokenCount);
  const completion = n(u.candidatesTokenCount) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: numberOr(u.totalTokenCount) ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: n(u.cachedContentTokenCount) },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}

/**
 * Bedrock Converse: inputTokens leaves out cache reads and writes, so they are added back.
 * cacheDetails splits the writes by TTL: [{ttl: "5m" | "1h", inputTokens}].
 */
export function converseUsage(u: Raw): Usage {
  const cacheRead = n(u.cacheReadInputTokens);
  const cacheWrite = n(u.cacheWriteInputTokens);
  const prompt = n(u.inputTokens) + cacheRead + cacheWrite;
  const completion = n(u.outputTokens);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cacheRead } };
  if (cacheWrite) usage.prompt_tokens_details!.cache_write_tokens = cacheWrite;
  let write1h = 0;
  if (Array.isArray(u.cacheDetails)) for (const d of u.cacheDetails) if (isObject(d) && d.ttl === "1h") write1h += n(d.inputTokens);
  if (write1h && cacheWrite) usage.prompt_tokens_details!.cache_write_1h_tokens = Math.min(write1h, cacheWrite);
  return usage;
}

/**
 * Bedrock InvokeModel: the counts come in the x-amzn-bedrock-*-token-count headers, or in a streamed
 * chunk's `amazon-bedrock-invocationMetrics` ({inputTokenCount, outputTokenCount}).
 */
export function invokeModelUsage(input: unknown, output: unknown): Usage {
  const p = Number(input ?? 0) || 0;
  const o = Number(output ?? 0) || 0;
  return { prompt_tokens: p, completion_tokens: o, total_tokens: p + o };
}

export function invokeModelHeaderUsage(h: Record<string, string>): Usage | undefined {
  const input = h["x-amzn-bedrock-input-token-count"];
  const output = h["x-amzn-bedrock-output-token-count"];
  if (input === undefined && output === undefined) return undefined;
  return invokeModelUsage(input, output);
}

/** The usage object inside one answer or one stream event, wherever its provider puts it. */
export function findRawUsage(o: unknown): Raw | undefined {
  if (Array.isArray(o)) return findRawUsage(o[o.length - 1]); // Gemini's streamed JSON array
  if (!isObject(o)) return undefined;
  for (const u of [o.usage, o.usageMetadata, (o.message as Raw | undefined)?.usage, (o.response as Raw | undefined)?.usage, o["amazon-bedrock-invocationMetrics"]]) {
    if (isObject(u)) return u;
  }
  return undefined;
}

/** A raw usage object of any known shape, recognised by its field names; undefined for anything else. */
export function normalizeUsage(u: Raw): Usage | undefined {
  if ("prompt_tokens" in u || "completion_tokens" in u) return openAIUsage(u);
  if ("promptTokenCount" in u || "candidatesTokenCount" in u || "totalTokenCount" in u) return geminiUsage(u);
  if ("inputTokenCount" in u || "outputTokenCount" in u) return invokeModelUsage(u.inputTokenCount, u.outputTokenCount);
  if ("inputTokens" in u || "outputTokens" in u) return converseUsage(u);
  if ("input_tokens" in u || "output_tokens" in u) return "total_tokens" in u || "input_tokens_details" in u ? responsesUsage(u) : anthropicUsage(u);
  return undefined;
}

/** The usage of one native answer (pass-through routes), best effort: no usage, never an error. */
export function usageOf(json: unknown): Usage | undefined {
  const raw = findRawUsage(json);
  return raw ? normalizeUsage(raw) : undefined;
}
