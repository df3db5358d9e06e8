import type { ModelPrice } from "../config.js";
import type { Usage } from "../types.js";
import { PRICES } from "./prices.js";

/**
 * Model name variants to try, most specific first: the name as given, then without a trailing date,
 * version or region ("gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022", "anthropic.claude-3-haiku-20240307-v1:0",
 * "us.anthropic.…", "gemini-1.5-pro-002", "…@20240620", "openai/gpt-4o" under openrouter).
 */
function variants(model: string): string[] {
  const out = [model];
  let m = model;
  const push = (next: string) => {
    if (next && next !== m) out.push((m = next));
  };
  if (m.includes("/")) push(m.slice(m.lastIndexOf("/") + 1));
  push(m.replace(/^(us|eu|apac|global)\./, ""));
  push(m.replace(/^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|openai|writer)\./, "")); // Bedrock model ids
  push(m.replace(/-v\d+(:\d+)?$/, "").replace(/:\d+$/, ""));
  push(m.replace(/[-@](\d{8}|\d{4}-\d{2}-\d{2})$/, ""));
  push(m.replace(/-(\d{3}|latest|preview(-\d{2}-\d{4})?)$/, ""));
  return out;
}

export interface PriceTable {
  /** USD per 1M tokens for the model, or undefined when it has no known price. */
  find(provider: string | undefined, model: string): ModelPrice | undefined;
}

export function priceTable(overrides: Record<string, ModelPrice> = {}): PriceTable {
  // No prototype: a model named "constructor" has no price rather than a function for one.
  const table: Record<string, ModelPrice> = Object.assign(Object.create(null), PRICES, overrides);
  const memo = new Map<string, ModelPrice | null>();
  const lookup = (provider: string | undefined, model: string): ModelPrice | undefined => {
    for (const name of variants(model)) {
      const p = (provider && (table[`${provider}/${name}`] ?? table[`${provider}/*`])) || table[name];
      if (p) return p;
    }
    return undefined;
  };
  return {
    find(provider, model) {
      const id = `${provider ?? ""}/${model}`;
      let p = memo.get(id);
      if (p === undefined) {
        p = lookup(provider, model) ?? null;
        if (memo.size < 10_000) memo.set(id, p);
      }
      return p ?? undefined;
    },
  };
}

/**
 * The cost of one call in micro-dollars (1e-6 USD). Prices are USD per 1M tokens, so a token costs
 * exactly `price` micro-dollars. Cached input tokens are part of prompt_tokens; they are billed at
 * the cached price when there is one.
 */
export function costMicros(price: ModelPrice, usage: Usage): number {
  const prompt = num(usage.prompt_tokens);
  const cached = Math.min(prompt, num(usage.prompt_tokens_details?.cached_tokens));
  const completion = num(usage.completion_tokens);
  const cachedPrice = price.cachedInput ?? price.input;
  return Math.round((prompt - cached) * price.input + cached * cachedPrice + completion * price.output);
}

const num = (n: unknown) => (typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0);
