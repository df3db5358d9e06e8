import { readFileSync } from "node:fs";
import { calcPrice } from "@pydantic/genai-prices";
import { beforeAll, describe, expect, it } from "vitest";
import { costMicros, loadPriceList, priceTable } from "../../../core/pricing/cost.js";
import { DATASET, SOURCE } from "../../../core/pricing/dataset.js";
import { DATASET_PATH, INCLUDED, packageData, packageVersion, renderDataset } from "../../../scripts/generate-prices.js";

const data = await packageData();

describe("core/pricing/dataset.ts", () => {
  it("is what `npm run prices` writes from the installed @pydantic/genai-prices", () => {
    const expected = renderDataset(data, packageVersion());
    const committed = readFileSync(DATASET_PATH, "utf8");
    // toBe would print two 70 KB strings: say what to do instead.
    expect(committed === expected, `core/pricing/dataset.ts is not what @pydantic/genai-prices@${packageVersion()} gives: run npm run prices`).toBe(true);
    expect(SOURCE).toBe(`@pydantic/genai-prices@${packageVersion()}`);
  });

  it("holds the included providers only", () => {
    expect(Object.keys(DATASET).sort()).toEqual([...INCLUDED].sort());
  });
});

/** Strait's provider id for each dataset provider it routes to (Moonshot is reached through Azure only). */
const ROUTES: Record<string, (model: string) => [string, string]> = {};
for (const [dataset, strait] of Object.entries({
  openai: "openai",
  anthropic: "anthropic",
  aws: "aws-bedrock",
  google: "google-ai-studio",
  azure: "azure-openai",
  groq: "groq",
  deepseek: "deepseek",
  mistral: "mistral",
  "x-ai": "grok",
  cohere: "cohere",
  perplexity: "perplexity",
  together: "together",
  fireworks: "fireworks",
  openrouter: "openrouter",
  cerebras: "cerebras",
  cloudflare: "workers-ai",
})) {
  ROUTES[dataset] = (model) => [strait, model];
}
for (const id of INCLUDED) if (id.startsWith("huggingface_")) ROUTES[id] = (model) => ["huggingface", `${model}:${id.slice("huggingface_".length)}`];

/** Names each model's rules accept (regexes aside), and names near them. */
function names(model: { id: string; match: any }): string[] {
  const out = new Set([model.id]);
  const walk = (m: any) => {
    for (const [kind, v] of Object.entries(m)) {
      if (kind === "or" || kind === "and") (v as any[]).forEach(walk);
      else if (kind === "equals") out.add(v as string);
      else if (kind === "starts_with") out.add(v as string).add(`${v}-20250101`);
      else if (kind === "contains") out.add(`x.${v}-v1:0`);
      else if (kind === "ends_with") out.add(`vendor.${v}`);
    }
  };
  walk(model.match);
  return [...out];
}

describe("prices as @pydantic/genai-prices computes them", () => {
  beforeAll(loadPriceList);
  // Before and after dated changes, inside and outside DeepSeek's discount hours.
  const times = ["2025-01-01T12:00:00Z", "2026-06-01T02:00:00Z", "2026-09-01T08:00:00Z", "2027-02-01T20:00:00Z"].map(Date.parse);
  const table = priceTable();

  it("every model of every included provider: the same match, the same token cost, at every size and time", () => {
    let compared = 0;
    const wrong: string[] = [];
    for (const provider of data) {
      const route = ROUTES[provider.id];
      if (!route) continue;
      for (const model of provider.models) {
        // Every size and time where the model's price depends on them (the package is slow: ~50 µs a call).
        const text = JSON.stringify(model.prices);
        const sizes = text.includes('"tiers"') ? [1000, 300_000] : [1000];
        const when = Array.isArray(model.prices) ? times : times.slice(0, 1);
        for (const name of names(model)) {
          const [strait, straitModel] = route(name);
          for (const prompt of sizes) {
            const usage = { input_tokens: prompt, cache_read_tokens: 400, cache_write_tokens: 300, cache_write_1h_tokens: 100, output_tokens: 500, output_reasoning_tokens: 200 };
            const ours = { prompt_tokens: prompt, completion_tokens: 500, total_tokens: prompt + 500, prompt_tokens_details: { cached_tokens: 400, cache_write_tokens: 300, cache_write_1h_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 200 } };
            for (const at of when) {
              const theirs = calcPrice(usage, name, { providerId: provider.id, timestamp: new Date(at) });
              const price = table.find(strait, straitModel, at);
              const where = `${provider.id} ${name} (${strait} ${straitModel}) at ${new Date(at).toISOString()}, ${prompt} prompt tokens`;
              // Prices the gateway can't count (audio hours, pages) give no price.
              const tokenPriced = theirs && (["input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"].some((k) => k in theirs.model_price) || Object.keys(theirs.model_price).length === 0);
              if (!tokenPriced) {
                if (price) wrong.push(`${where}: priced, the package ${theirs ? "can't count its price" : "has no price"}`);
                continue;
              }
              if (!price) {
                wrong.push(`${where}: no price`);
                continue;
              }
              // Requests and searches aside (no direction in the package), the same cost; ours is rounded to a micro-dollar.
              const expected = (theirs.input_price + theirs.output_price) * 1e6;
              const cost = costMicros(price, ours);
              if (Math.abs(cost - expected) > 0.5 + 1e-6) wrong.push(`${where}: ${cost} micro-USD, the package ${expected}`);
              compared++;
            }
          }
        }
      }
    }
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(3000);
  });
});
