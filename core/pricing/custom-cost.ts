import { badRequest } from "../errors.js";
import type { Usage } from "../types.js";

/**
 * The cf-aig-custom-cost request header (Cloudflare AI Gateway's): the caller's own price for this
 * one call, in USD, which replaces the price table's. Either per token:
 *   {"per_token_in": 0.000001, "per_token_out": 0.000002}
 * (and, as Cloudflare also takes, "per_cache_read_token" / "per_cache_write_token" for cache reads
 * and writes, which otherwise cost per_token_in), or the whole call: {"total_cost": 0.0042}.
 */
export type CustomCost =
  | { perTokenIn: number; perTokenOut: number; perCacheReadToken?: number; perCacheWriteToken?: number }
  | { totalCost: number };

const FORMS =
  'Invalid cf-aig-custom-cost header: send {"per_token_in": <USD per input token>, "per_token_out": <USD per output token>} (optionally with "per_cache_read_token" and "per_cache_write_token") or {"total_cost": <USD for the call>}, with non-negative numbers.';

const PER_TOKEN = new Set(["per_token_in", "per_token_out", "per_cache_read_token", "per_cache_write_token"]);

export function parseCustomCost(header: string): CustomCost {
  let json: unknown;
  try {
    json = JSON.parse(header);
  } catch {
    throw badRequest(FORMS);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw badRequest(FORMS);
  const o = json as Record<string, unknown>;
  const keys = Object.keys(o);
  const usd = (k: string): number => {
    const v = o[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw badRequest(FORMS);
    return v;
  };
  const optional = (k: string) => (Object.hasOwn(o, k) ? usd(k) : undefined);
  if (keys.length === 1 && keys[0] === "total_cost") return { totalCost: usd("total_cost") };
  if (!keys.every((k) => PER_TOKEN.has(k)) || !Object.hasOwn(o, "per_token_in") || !Object.hasOwn(o, "per_token_out")) throw badRequest(FORMS);
  const cost: CustomCost = { perTokenIn: usd("per_token_in"), perTokenOut: usd("per_token_out") };
  const read = optional("per_cache_read_token");
  const write = optional("per_cache_write_token");
  if (read !== undefined) cost.perCacheReadToken = read;
  if (write !== undefined) cost.perCacheWriteToken = write;
  return cost;
}

const count = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

/** The call's cost in micro-dollars (1e-6 USD) at the caller's price. */
export function customCostMicros(custom: CustomCost, usage: Usage | null | undefined): number {
  if ("totalCost" in custom) return Math.round(custom.totalCost * 1e6);
  const prompt = count(usage?.prompt_tokens);
  const read = Math.min(prompt, count(usage?.prompt_tokens_details?.cached_tokens));
  const write = Math.min(prompt - read, count(usage?.prompt_tokens_details?.cache_write_tokens));
  const usd =
    (prompt - read - write) * custom.perTokenIn +
    read * (custom.perCacheReadToken ?? custom.perTokenIn) +
    write * (custom.perCacheWriteToken ?? custom.perTokenIn) +
    count(usage?.completion_tokens) * custom.perTokenOut;
  return Math.round(usd * 1e6);
}
