/**
 * `npm run prices`: writes core/pricing/dataset.ts, the price table the gateway bills by, from the
 * data bundled in @pydantic/genai-prices (a dev dependency: its dist is far too large for the
 * Worker bundle, so only the providers Strait routes to, their match rules and their token prices
 * are kept, in a compact form that core/pricing/cost.ts reads).
 *
 * test/unit/pricing/dataset.test.ts renders the table again in memory and fails when the committed
 * file differs: after bumping the package, run `npm run prices` and commit the result.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { waitForUpdate } from "@pydantic/genai-prices";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const PACKAGE = "@pydantic/genai-prices";
export const DATASET_PATH = join(root, "core/pricing/dataset.ts");

/**
 * The dataset's providers to keep: those Strait's routes map to (core/pricing/cost.ts
 * PROVIDER_IDS), and the providers they fall back to (Azure serves OpenAI, DeepSeek, xAI and
 * Moonshot models). A missing one fails the run, so a renamed provider is noticed.
 */
export const INCLUDED = [
  "anthropic",
  "aws",
  "azure",
  "cerebras",
  "cloudflare",
  "cohere",
  "deepseek",
  "fireworks",
  "google",
  "groq",
  "huggingface_cerebras",
  "huggingface_fireworks-ai",
  "huggingface_groq",
  "huggingface_hyperbolic",
  "huggingface_nebius",
  "huggingface_novita",
  "huggingface_nscale",
  "huggingface_ovhcloud",
  "huggingface_publicai",
  "huggingface_sambanova",
  "huggingface_together",
  "mistral",
  "moonshotai",
  "openai",
  "openrouter",
  "perplexity",
  "together",
  "x-ai",
] as const;

/** Price keys the table keeps, in their position in a price row. All are USD per 1M tokens. */
const TOKEN_KEYS = ["input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok", "output_reasoning_mtok"] as const;

/**
 * Price keys the gateway can't count (its usage has no audio, image, video, page, search, request
 * or citation counts): left out. Such tokens are billed at the text rate, within prompt or
 * completion tokens. Any key in neither list fails the run, so a new kind of price is looked at.
 */
const IGNORED_KEYS = new Set([
  "audio_hours",
  "input_audio_hours",
  "input_audio_mtok",
  "output_audio_mtok",
  "cache_audio_read_mtok",
  "input_image_mtok",
  "output_image_mtok",
  "cache_image_read_mtok",
  "input_video_mtok",
  "output_video_mtok",
  "output_citation_mtok",
  "input_document_kpages",
  "input_annotated_document_kpages",
  "input_text_messages_kcount",
  "requests_kcount",
  "web_searches_kcount",
  "storage_searches_kcount",
]);

// The package's shapes, as far as this script reads them.
type Match = { [k: string]: any };
type Prices = Record<string, number | { base: number; tiers: { start: number; price: number }[] } | undefined>;
interface Model {
  id: string;
  match: Match;
  prices: Prices | { constraint?: Record<string, string>; prices: Prices }[];
}
interface Provider {
  id: string;
  models: Model[];
  fallback_model_providers?: string[];
}

/** Prefixes of a rule token; a token without one is an exact (case-insensitive) name. */
const RULE_PREFIX: Record<string, string> = { starts_with: "^", ends_with: "$", contains: "*", regex: "/" };
const RESERVED = /^[=^$*/]/;

/** One match rule as tokens, any of which may match: "name", "^prefix", "$suffix", "*part", "/regex", "=name"; "a&b": both. */
function ruleTokens(m: Match, where: string): string[] {
  const keys = Object.keys(m);
  if (keys.length !== 1) throw new Error(`${where}: a match rule with keys ${keys.join(", ")}`);
  const [kind] = keys as [string];
  const value = m[kind];
  if (kind === "or") return (value as Match[]).flatMap((x) => ruleTokens(x, where));
  if (kind === "and") {
    const parts = (value as Match[]).map((x) => ruleTokens(x, where));
    if (parts.some((p) => p.length !== 1)) throw new Error(`${where}: an "and" rule holding an "or"`);
    return [parts.map((p) => p[0]).join("&")];
  }
  if (typeof value !== "string") throw new Error(`${where}: a ${kind} rule without a string`);
  let token: string;
  if (kind === "regex") {
    new RegExp(value); // fails here rather than at run time
    token = `/${value}`;
  } else if (kind === "equals") {
    // The package compares names lower-cased (regexes excepted): so does the table, against these.
    token = RESERVED.test(value) ? `=${value.toLowerCase()}` : value.toLowerCase();
  } else {
    const prefix = RULE_PREFIX[kind];
    if (!prefix) throw new Error(`${where}: unknown match rule "${kind}"`);
    token = prefix + value.toLowerCase();
  }
  // Tokens are separated by spaces, "&" joins the parts of an "and", and the text sits in a template literal.
  if (!token || /[\s&`]|\$\{/.test(token)) throw new Error(`${where}: a rule the table can't write: ${JSON.stringify(value)}`);
  return [token];
}

/** A number as short as it reads back exactly: ".3" for 0.3. */
const num = (n: number) => {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) throw new Error(`not a price: ${n}`);
  return String(n).replace(/^0\./, ".");
};

/**
 * One price: "input,output,cacheRead,cacheWrite,cacheWrite1h,reasoning", USD per 1M tokens, empty
 * where the dataset has none (trailing commas dropped; "0" for a free model); a tiered rate is
 * "base/start/price…". "-": nothing in it is a token price the gateway can count.
 */
function priceText(prices: Prices, where: string): string {
  const keys = Object.keys(prices).filter((k) => prices[k] !== undefined);
  for (const k of keys) {
    if (!(TOKEN_KEYS as readonly string[]).includes(k) && !IGNORED_KEYS.has(k)) throw new Error(`${where}: unknown price key "${k}": decide how the gateway counts it (scripts/generate-prices.ts)`);
  }
  if (keys.length && !keys.some((k) => (TOKEN_KEYS as readonly string[]).includes(k))) return "-";
  const fields = TOKEN_KEYS.map((k) => {
    const v = prices[k];
    if (v === undefined) return "";
    if (typeof v === "number") return num(v);
    const tiers = [...v.tiers].sort((a, b) => a.start - b.start);
    return [num(v.base), ...tiers.flatMap((t) => [String(t.start), num(t.price)])].join("/");
  });
  while (fields.length && fields[fields.length - 1] === "") fields.pop();
  return fields.join(",") || "0";
}

/** "HH:MM:SSZ" → seconds after midnight UTC (the dataset writes UTC times). */
function seconds(time: string, where: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})Z$/.exec(time);
  if (!m) throw new Error(`${where}: a time of day "${time}" not in UTC`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** A model's prices: one price, or "price;constraint>price;…" (a start date "2026-03-13", or "from-to" seconds of the UTC day). */
function modelPrice(model: Model, where: string): string {
  if (!Array.isArray(model.prices)) return priceText(model.prices, where);
  return model.prices
    .map((c, i) => {
      const k = c.constraint;
      let constraint = "";
      if (k?.start_date !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(k.start_date)) constraint = k.start_date;
      else if (k?.start_time !== undefined && k.end_time !== undefined) constraint = `${seconds(k.start_time, where)}-${seconds(k.end_time, where)}`;
      else if (k !== undefined) throw new Error(`${where}: unknown price constraint ${JSON.stringify(k)}`);
      if ((i === 0) !== (constraint === "")) throw new Error(`${where}: only the first price may have no constraint`);
      return constraint ? `${constraint}>${priceText(c.prices, where)}` : priceText(c.prices, where);
    })
    .join(";");
}

/** The text of core/pricing/dataset.ts for this data. */
export function renderDataset(providers: readonly Provider[], version: string): string {
  const byId = new Map(providers.map((p) => [p.id, p]));
  const fallbacks: Record<string, string[]> = {};
  const blocks: string[] = [];
  for (const id of [...INCLUDED].sort()) {
    const p = byId.get(id);
    if (!p) throw new Error(`${PACKAGE}@${version} has no provider "${id}"`);
    const fb = (p.fallback_model_providers ?? []).filter((f) => byId.has(f));
    for (const f of fb) if (!(INCLUDED as readonly string[]).includes(f)) throw new Error(`provider "${id}" falls back to "${f}", which is not included`);
    if (fb.length) fallbacks[id] = fb;
    const lines = p.models.map((m) => {
      const where = `${id}/${m.id}`;
      return `${modelPrice(m, where)} ${ruleTokens(m.match, where).join(" ")}`;
    });
    // A template literal: backslashes (in regexes) are written doubled.
    const text = lines.join("\n").replaceAll("\\", "\\\\");
    blocks.push(`  ${JSON.stringify(id)}: \`\n${text}\`,`);
  }
  return `/**
 * GENERATED by scripts/generate-prices.ts from ${PACKAGE} ${version}
 * (MIT License, Copyright (c) Pydantic Services Inc., https://github.com/pydantic/genai-prices).
 * Do not edit: run \`npm run prices\`.
 *
 * Per provider, one line per model in the dataset's order (the first that matches wins):
 *   prices rule rule …
 * Prices are USD per 1M tokens: "input,output,cacheRead,cacheWrite,cacheWrite1h,reasoning", empty
 * where the dataset has none ("0": free); a tiered rate "base/start/price" applies price once the
 * prompt exceeds start tokens; "-": no price the gateway can count (audio hours, pages …). Prices
 * that changed or change: "price;2026-03-13>price" (from a UTC date) or "price;1800-59400>price"
 * (seconds of the UTC day, from-to), the last that holds wins. Any rule may match: a lower-case
 * name (exact), "^prefix", "$suffix", "*part", "/regex", "=name" (exact), "a&b" (both).
 */

export const SOURCE = ${JSON.stringify(`${PACKAGE}@${version}`)};

/** Providers whose unmatched models are looked up in other providers, in order. */
export const FALLBACKS: Record<string, readonly string[]> = ${JSON.stringify(fallbacks)};

export const DATASET: Record<string, string> = {
${blocks.join("\n")}
};
`;
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(join(root, "node_modules", PACKAGE, "package.json"), "utf8")).version;
}

/** The package's bundled data (waitForUpdate resolves to it while no update was set up). */
export async function packageData(): Promise<Provider[]> {
  const data = await waitForUpdate();
  if (!data) throw new Error(`${PACKAGE} has no data`);
  return data as unknown as Provider[];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = renderDataset(await packageData(), packageVersion());
  writeFileSync(DATASET_PATH, text);
  console.log(`wrote ${DATASET_PATH} (${text.length} bytes)`);
}
