import type { Usage } from "../../types.js";
import type { ResponseUsage } from "./types.js";

const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * Chat usage → Responses usage. Both count cached tokens inside the input total; a cache write
 * (prompt_tokens_details.cache_write_tokens, see usage/normalize.ts) shows as cache_write_tokens.
 */
export function responsesUsageFromChat(u: Usage): ResponseUsage {
  const input = n(u.prompt_tokens);
  const output = n(u.completion_tokens);
  const details = u.prompt_tokens_details ?? {};
  const usage: ResponseUsage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: n(details.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: n(u.completion_tokens_details?.reasoning_tokens) },
    total_tokens: typeof u.total_tokens === "number" && Number.isFinite(u.total_tokens) ? u.total_tokens : input + output,
  };
  const written = n(details.cache_write_tokens);
  if (written) usage.input_tokens_details.cache_write_tokens = written;
  return usage;
}
