import type { ModelPrice } from "../config.js";
import type { Usage } from "../types.js";

/**
 * What a call costs, from the price table generated from @pydantic/genai-prices
 * (core/pricing/dataset.ts, `npm run prices`) and the config's "prices", which win.
 * A model the table doesn't know has no price: its calls count as 0 and are flagged, never guessed.
 */

/** USD per 1M tokens. A price from the config has only the ModelPrice fields. */
export interface Price extends ModelPrice {
  /** Reasoning tokens (part of the completion tokens), where they are priced apart from other output. */
  reasoning?: number;
  /** Long-context rates, by prompt size, ascending: the last one whose `above` the prompt exceeds replaces the base rates. */
  tiers?: PriceTier[];
}

export type PriceTier = Omit<Price, "tiers"> & { above: number };

export interface PriceTable {
  /** Settles once the built-in price list is loaded: find() needs it. */
  readonly ready: Promise<void>;
  /** The price of a call to the model through this provider at `at` (ms; prices change on dates, some by time of day); undefined when unknown. */
  find(provider: string | undefined, model: string, at?: number): Price | undefined;
}

export interface CostOptions {
  /** A batch call: batch rates where the price has them (the dataset has none; a config price may). */
  batch?: boolean;
  /** The prompt size that picks a long-context tier; usage.prompt_tokens when absent. */
  promptTokens?: number;
}

/**
 * Strait's provider ids and aliases → the dataset's provider ids. Hugging Face's router names the
 * serving provider after a colon ("org/model:novita"): those map to the dataset's
 * "huggingface_<provider>"; without one, the router picks and the price is unknown.
 */
export const PROVIDER_IDS: Readonly<Record<string, string>> = Object.assign(Object.create(null), {
  openai: "openai",
  anthropic: "anthropic",
  "aws-bedrock": "aws",
  bedrock: "aws",
  "google-ai-studio": "google",
  gemini: "google",
  google: "google",
  "azure-openai": "azure",
  azure: "azure",
  groq: "groq",
  deepseek: "deepseek",
  mistral: "mistral",
  grok: "x-ai",
  xai: "x-ai",
  cohere: "cohere",
  perplexity: "perplexity",
  together: "together",
  fireworks: "fireworks",
  openrouter: "openrouter",
  cerebras: "cerebras",
  "workers-ai": "cloudflare",
});

const FREE: Price = Object.freeze({ input: 0, output: 0 });

// ---- the dataset --------------------------------------------------------------------------------

/** A field of a price line: a rate, or "base/start/price…". */
type Rate = number | number[];
/** A dated or timed price: [from (ms) or [from, to) seconds of the UTC day, or null for the first; the price]. */
type Timed = [number | [number, number] | null, Price | null];
type Entry = Price | Timed[] | null;
interface Row {
  test: (name: string) => boolean;
  price: string;
  entry?: Entry;
}

let dataset: typeof import("./dataset.js") | undefined;
let loading: Promise<void> | undefined;

/**
 * The built-in price list (about 70 KB of text), imported once, on first need: module init does
 * not parse it, and a request never waits for it (calls are priced after their answer).
 */
export function loadPriceList(): Promise<void> {
  return (loading ??= import("./dataset.js").then((d) => {
    dataset = d;
  }));
}

function priceList(): typeof import("./dataset.js") {
  if (!dataset) throw new Error("The price list is not loaded yet: await the price table's ready first.");
  return dataset;
}

const rows = new Map<string, Row[]>();

/** One provider's lines, parsed on first use. */
function providerRows(id: string): Row[] | undefined {
  let out = rows.get(id);
  if (out) return out;
  const { DATASET } = priceList();
  const text = Object.hasOwn(DATASET, id) ? DATASET[id] : undefined;
  if (text === undefined) return undefined;
  out = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const space = line.indexOf(" ");
    out.push({ test: matcher(line.slice(space + 1).split(" ")), price: line.slice(0, space) });
  }
  rows.set(id, out);
  return out;
}

function matcher(tokens: string[]): (name: string) => boolean {
  const tests = tokens.map((t) => {
    const parts = t.split("&").map(ruleTest);
    return parts.length === 1 ? parts[0]! : (name: string) => parts.every((p) => p(name));
  });
  return (name) => tests.some((t) => t(name));
}

/** Names arrive lower-cased; rule text is lower-case already (regexes excepted, as in the package). */
function ruleTest(rule: string): (name: string) => boolean {
  const rest = rule.slice(1);
  switch (rule[0]) {
    case "^":
      return (name) => name.startsWith(rest);
    case "$":
      return (name) => name.endsWith(rest);
    case "*":
      return (name) => name.includes(rest);
    case "/": {
      const re = new RegExp(rest);
      return (name) => re.test(name);
    }
    case "=":
      return (name) => name === rest;
    default:
      return (name) => name === rule;
  }
}

function entryOf(row: Row): Entry {
  if (row.entry === undefined) {
    const [first, ...timed] = row.price.split(";");
    if (!timed.length) row.entry = priceOf(first!);
    else {
      row.entry = [[null, priceOf(first!)]];
      for (const t of timed) {
        const [when, p] = t.split(">") as [string, string];
        const tod = /^(\d+)-(\d+)$/.exec(when);
        row.entry.push([tod ? [Number(tod[1]), Number(tod[2])] : Date.parse(`${when}T00:00:00Z`), priceOf(p)]);
      }
    }
  }
  return row.entry;
}

const FIELDS = ["input", "output", "cachedInput", "cacheWrite", "cacheWrite1h", "reasoning"] as const;

/** "input,output,cacheRead,cacheWrite,cacheWrite1h,reasoning" (see dataset.ts) → a Price; null for "-". */
function priceOf(text: string): Price | null {
  if (text === "-") return null;
  const rates: (Rate | undefined)[] = text.split(",").map((f) => (f === "" ? undefined : f.includes("/") ? f.split("/").map(Number) : Number(f)));
  const price: Price = { input: 0, output: 0 };
  const starts = new Set<number>();
  FIELDS.forEach((field, i) => {
    const r = rates[i];
    if (r === undefined) return;
    if (typeof r === "number") price[field] = r;
    else {
      price[field] = r[0]!;
      for (let k = 1; k < r.length; k += 2) starts.add(r[k]!);
    }
  });
  if (starts.size) {
    // One tier per threshold, carrying every rate as it stands above it.
    price.tiers = [...starts]
      .sort((a, b) => a - b)
      .map((above) => {
        const tier: PriceTier = { above, input: 0, output: 0 };
        FIELDS.forEach((field, i) => {
          const r = rates[i];
          if (r === undefined) return;
          if (typeof r === "number") tier[field] = r;
          else {
            let rate = r[0]!;
            for (let k = 1; k < r.length; k += 2) if (r[k]! <= above) rate = r[k + 1]!;
            tier[field] = rate;
          }
        });
        return tier;
      });
  }
  return price;
}

/** The price in force at `at`: the last dated or timed price that holds, else the first (the package's rule). */
function priceAt(entry: Entry, at: number): Price | undefined {
  if (entry === null) return undefined;
  if (!Array.isArray(entry)) return entry;
  const d = new Date(at);
  const second = d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds() + d.getUTCMilliseconds() / 1000;
  for (let i = entry.length - 1; i >= 0; i--) {
    const [when, price] = entry[i]!;
    const holds = when === null || (typeof when === "number" ? at >= when : when[1] < when[0] ? second >= when[0] || second < when[1] : second >= when[0] && second < when[1]);
    if (holds) return price ?? undefined;
  }
  return entry[0]![1] ?? undefined;
}

/** "…-20241022-…" → "…-2024-10-22-…": the package's second try, for names dated the other way. */
const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;
function isoDates(name: string): string {
  return name.replace(COMPACT_DATE, (all, dash: string, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d) ? `${dash}${y}-${m}-${d}` : all;
  });
}

function firstMatch(id: string, name: string): Row | undefined {
  return providerRows(id)?.find((r) => r.test(name));
}

/** The package's lookup: the provider's models, then those of the providers it falls back to; then the same with ISO dates. */
function datasetEntry(id: string, name: string): Entry | undefined {
  const { FALLBACKS } = priceList();
  const names = [name];
  const iso = isoDates(name);
  if (iso !== name) names.push(iso);
  for (const n of names) {
    const row = firstMatch(id, n) ?? (Object.hasOwn(FALLBACKS, id) ? FALLBACKS[id]! : []).map((f) => firstMatch(f, n)).find((r) => r);
    if (row) return entryOf(row);
  }
  return undefined;
}

/** The dataset's provider id and model name for a call, or undefined when the dataset can't price it. */
export function datasetName(provider: string, model: string): { id: string; name: string } | undefined {
  let name = model.toLowerCase().trim();
  if (provider === "huggingface") {
    const colon = name.lastIndexOf(":");
    if (colon <= 0) return undefined;
    return { id: `huggingface_${name.slice(colon + 1)}`, name: name.slice(0, colon) };
  }
  const id = PROVIDER_IDS[provider];
  if (!id) return undefined;
  if (id === "google" && name.startsWith("models/")) name = name.slice("models/".length);
  // A Bedrock model or inference-profile ARN names the model after its last "/".
  if (id === "aws" && name.startsWith("arn:")) name = name.slice(name.lastIndexOf("/") + 1);
  return { id, name };
}

// ---- the config's prices ------------------------------------------------------------------------

/**
 * Model name variants for the config's prices, most specific first: the name as given, then without
 * a vendor prefix, region, trailing date or version ("openai/gpt-4o", "us.anthropic.…-v1:0",
 * "gpt-4o-2024-08-06", "gemini-1.5-pro-002"): a config price for "gpt-4o" covers its dated versions.
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

// ---- the table ----------------------------------------------------------------------------------

/**
 * Prices by provider and model. `overrides` are the config's "prices" ("provider/model",
 * "provider/*" or a bare model id; they win); `typeOf` names the built-in provider behind a
 * configured route ("openai-eu" of type "openai"), so such routes find the dataset's prices too.
 */
export function priceTable(overrides: Record<string, ModelPrice> = {}, typeOf?: (provider: string) => string | undefined): PriceTable {
  // No prototype: a model named "constructor" has no price rather than a function for one.
  const table: Record<string, ModelPrice> = Object.assign(Object.create(null), overrides);
  const configured = (provider: string | undefined, model: string): ModelPrice | undefined => {
    for (const name of variants(model)) {
      const p = (provider && (table[`${provider}/${name}`] ?? table[`${provider}/*`])) || table[name];
      if (p) return p;
    }
    return undefined;
  };
  const lookup = (provider: string | undefined, model: string): Entry => {
    const own = configured(provider, model);
    if (own) return own;
    if (!provider) return null;
    if (provider === "mock") return FREE;
    for (const p of new Set([provider, typeOf?.(provider)])) {
      const target = p && datasetName(p, model);
      if (target) return datasetEntry(target.id, target.name) ?? null;
    }
    return null;
  };
  const memo = new Map<string, Entry>();
  return {
    ready: loadPriceList(),
    find(provider, model, at = Date.now()) {
      const id = `${provider ?? ""}\u0000${model}`;
      let entry = memo.get(id);
      if (entry === undefined) {
        entry = lookup(provider, model);
        if (memo.size < 10_000) memo.set(id, entry);
      }
      return priceAt(entry, at);
    },
  };
}

// ---- cost ---------------------------------------------------------------------------------------

/**
 * The cost of one call in micro-dollars (1e-6 USD). Prices are USD per 1M tokens, so a token costs
 * exactly `price` micro-dollars. prompt_tokens counts every prompt token; of them, cache reads
 * (cached_tokens) and cache writes (cache_write_tokens, of which cache_write_1h_tokens for an hour)
 * are billed at their own rates where the price has them, else at the input rate. Reasoning tokens
 * are part of completion_tokens, billed at a reasoning rate only where the price has one. A prompt
 * above a tier's size bills every token at that tier's rates.
 */
export function costMicros(price: Price, usage: Usage, opts: CostOptions = {}): number {
  const details = usage.prompt_tokens_details;
  const prompt = num(usage.prompt_tokens);
  const read = Math.min(prompt, num(details?.cached_tokens));
  const write = Math.min(prompt - read, num(details?.cache_write_tokens));
  const write1h = Math.min(write, num(details?.cache_write_1h_tokens));
  const completion = num(usage.completion_tokens);
  const reasoning = Math.min(completion, num(usage.completion_tokens_details?.reasoning_tokens));

  const size = opts.promptTokens === undefined ? prompt : num(opts.promptTokens);
  let r: Omit<Price, "tiers"> = price;
  for (const tier of price.tiers ?? []) if (size > tier.above) r = tier;

  const input = opts.batch && r.batchInput !== undefined ? r.batchInput : r.input;
  const output = opts.batch && r.batchOutput !== undefined ? r.batchOutput : r.output;
  const cacheWrite = r.cacheWrite ?? input;
  const billedReasoning = r.reasoning === undefined ? 0 : reasoning;
  return Math.round(
    (prompt - read - write) * input +
      read * (r.cachedInput ?? input) +
      (write - write1h) * cacheWrite +
      write1h * (r.cacheWrite1h ?? cacheWrite) +
      (completion - billedReasoning) * output +
      billedReasoning * (r.reasoning ?? 0),
  );
}

const num = (n: unknown) => (typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0);
