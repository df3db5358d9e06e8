import type { LogTokens } from "../store/types.js";
import type { Usage } from "../types.js";

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * A call's tokens by how they are billed, from its usage in OpenAI's shape (usage/normalize.ts):
 * cache reads and writes are parts of the prompt tokens, reasoning a part of the completion tokens,
 * each held to what it is a part of (as costMicros counts them). No usage: all zero.
 */
export function tokensOf(usage: Usage | null | undefined): LogTokens {
  const inTokens = count(usage?.prompt_tokens);
  const out = count(usage?.completion_tokens);
  const details = usage?.prompt_tokens_details;
  const cachedRead = Math.min(inTokens, count(details?.cached_tokens));
  const cachedWrite = Math.min(inTokens - cachedRead, count(details?.cache_write_tokens));
  const reasoning = Math.min(out, count(usage?.completion_tokens_details?.reasoning_tokens));
  return { in: inTokens, out, cachedRead, cachedWrite, reasoning };
}
