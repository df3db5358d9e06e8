import type { LogTokens } from "../store/types.js";
import type { Usage } from "../types.js";

const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

export function tokensOf(usage: Usage | undefined): LogTokens {
  if (!usage) return { in: 0, out: 0, cachedRead: 0, cachedWrite: 0, reasoning: 0 };
  const d = usage.prompt_tokens_details;
  return {
    in: n(usage.prompt_tokens),
    out: n(usage.completion_tokens),
    cachedRead: n(d?.cached_tokens),
    cachedWrite: n(d?.cache_write_tokens) || n(d?.cache_creation_tokens),
    reasoning: n(usage.completion_tokens_details?.reasoning_tokens),
  };
}
