import type { Usage } from "../../types.js";
import type { AnthropicUsage } from "./types.js";

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * OpenAI usage → Anthropic usage, the inverse of usage/normalize.ts anthropicUsage: OpenAI's
 * prompt_tokens counts every input token, Anthropic's input_tokens only those neither read from
 * nor written to the cache.
 */
export function toAnthropicUsage(u: Usage | null | undefined): AnthropicUsage {
  const details = u?.prompt_tokens_details;
  const read = count(details?.cached_tokens);
  const write = count(details?.cache_write_tokens);
  const usage: AnthropicUsage = {
    input_tokens: Math.max(0, count(u?.prompt_tokens) - read - write),
    output_tokens: count(u?.completion_tokens),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  };
  // Writes kept for an hour (see usage/normalize.ts): split by TTL as Anthropic does.
  const write1h = Math.min(write, count(details?.cache_write_1h_tokens));
  if (write1h) usage.cache_creation = { ephemeral_5m_input_tokens: write - write1h, ephemeral_1h_input_tokens: write1h };
  return usage;
}
