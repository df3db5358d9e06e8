import { beforeAll, describe, expect, it } from "vitest";
import { costMicros, datasetName, loadPriceList, priceTable } from "../../../core/pricing/cost.js";
import type { Usage } from "../../../core/types.js";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const usage = (prompt: number, completion: number, details: Usage["prompt_tokens_details"] = {}, reasoning?: number): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
  prompt_tokens_details: details,
  ...(reasoning === undefined ? {} : { completion_tokens_details: { reasoning_tokens: reasoning } }),
});

beforeAll(loadPriceList);

describe("priceTable: the dataset", () => {
  const table = priceTable();
  const find = (provider: string, model: string, at = NOW) => table.find(provider, model, at);

  it("a dated OpenAI model has its own entry", () => {
    expect(find("openai", "gpt-4o-2024-08-06")).toEqual({ input: 2.5, output: 10, cachedInput: 1.25 });
    expect(find("openai", "gpt-4o-mini-2024-07-18")).toEqual({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    // An older snapshot is priced as itself, not as its family.
    expect(find("openai", "gpt-4o-2024-05-13")?.input).toBe(5);
  });

  it("Anthropic names, dated or not, and the package's ISO-date retry", () => {
    expect(find("anthropic", "claude-3-5-sonnet-20241022")).toEqual({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 });
    expect(find("anthropic", "claude-opus-4-1-20250805")?.output).toBe(75);
    expect(find("anthropic", "CLAUDE-HAIKU-4-5 ")?.input).toBe(1); // case and spaces as the package ignores them
  });

  it("Bedrock ids: cross-region and global inference profiles, versions, ARNs", () => {
    expect(find("aws-bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0")).toEqual({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 });
    expect(find("aws-bedrock", "eu.anthropic.claude-sonnet-4-20250514-v1:0")?.input).toBe(3);
    expect(find("aws-bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0")?.input).toBe(3);
    // Regional (us., eu. …) Claude Sonnet 4.5 costs 10% more than global.
    expect(find("aws-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")?.input).toBe(3.3);
    expect(find("aws-bedrock", "anthropic.claude-3-haiku-20240307-v1:0")).toEqual({ input: 0.25, output: 1.25 });
    expect(find("bedrock", "amazon.nova-pro-v1:0")).toEqual({ input: 0.8, output: 3.2, cachedInput: 0.2 });
    expect(find("aws-bedrock", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0")?.input).toBe(3);
  });

  it("OpenRouter's vendor/model names, with OpenRouter's own prices", () => {
    expect(find("openrouter", "anthropic/claude-3.5-sonnet")).toEqual({ input: 3, output: 15 });
    expect(find("openrouter", "anthropic/claude-sonnet-4")).toEqual({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 });
    expect(find("openrouter", "openai/gpt-4.1-mini")).toEqual({ input: 0.4, output: 1.6, cachedInput: 0.1 });
    expect(find("openrouter", "gpt-4.1-mini")).toBeUndefined(); // not an OpenRouter name
  });

  it("Gemini under every alias of its route, with its long-context tier; models/ prefixes", () => {
    const pro = { input: 1.25, output: 10, cachedInput: 0.125, tiers: [{ above: 200_000, input: 2.5, output: 15, cachedInput: 0.25 }] };
    expect(find("google-ai-studio", "gemini-2.5-pro")).toEqual(pro);
    expect(find("gemini", "models/gemini-2.5-pro")).toEqual(pro);
    expect(find("google", "gemini-2.5-flash")?.output).toBe(2.5);
    expect(find("google-ai-studio", "gemini-1.5-pro-002")?.output).toBe(5);
  });

  it("Azure falls back to OpenAI's models; Hugging Face needs the provider after a colon", () => {
    expect(find("azure-openai", "gpt-4o")).toEqual({ input: 2.5, output: 10, cachedInput: 1.25 });
    expect(find("azure", "o4-mini")?.cachedInput).toBe(0.28); // Azure's own entry
    expect(find("huggingface", "deepseek-ai/DeepSeek-R1:novita")).toEqual({ input: 0.7, output: 2.5 });
    expect(find("huggingface", "deepseek-ai/DeepSeek-R1")).toBeUndefined(); // the router picks: unknown
    expect(find("huggingface", "deepseek-ai/DeepSeek-R1:fastest")).toBeUndefined();
  });

  it("the other providers Strait routes to", () => {
    expect(find("groq", "llama-3.1-8b-instant")).toEqual({ input: 0.05, output: 0.08 });
    expect(find("grok", "grok-4")?.input).toBe(3);
    expect(find("xai", "grok-3-mini")?.input).toBe(0.3);
    expect(find("mistral", "mistral-large-latest")?.input).toBe(2);
    expect(find("cohere", "command-r")).toEqual({ input: 0.15, output: 0.6 });
    expect(find("cerebras", "llama-3.3-70b")?.input).toBe(0.85);
    expect(find("fireworks", "accounts/fireworks/models/deepseek-v3p2")?.cachedInput).toBe(0.28);
    expect(find("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")?.input).toBe(0.88);
    expect(find("workers-ai", "@cf/meta/llama-3.1-8b-instruct")?.input).toBe(0.282);
    expect(find("openai", "text-embedding-3-small")).toEqual({ input: 0.02, output: 0 });
    expect(find("openai", "moderation-latest")).toEqual({ input: 0, output: 0 }); // free in the dataset
  });

  it("prices that change: from a date, and by time of day (DeepSeek's discount hours)", () => {
    const sonnet46 = (at: string) => find("anthropic", "claude-sonnet-4-6", Date.parse(at));
    expect(sonnet46("2026-03-12T23:59:59Z")?.tiers).toHaveLength(1);
    expect(sonnet46("2026-03-13T00:00:00Z")).toEqual({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 });
    // deepseek-chat: standard 00:30–16:30 UTC, half price otherwise.
    expect(find("deepseek", "deepseek-chat", Date.parse("2026-01-01T00:29:59Z"))?.input).toBe(0.135);
    expect(find("deepseek", "deepseek-chat", Date.parse("2026-01-01T00:30:00Z"))?.input).toBe(0.27);
    expect(find("deepseek", "deepseek-chat", Date.parse("2026-01-01T16:30:00Z"))?.input).toBe(0.135);
  });

  it("a model the dataset doesn't know, or a provider it doesn't cover, has no price; mock/* is free", () => {
    expect(find("openai", "gpt-17-ultra")).toBeUndefined();
    expect(find("somewhere", "gpt-4o")).toBeUndefined(); // never priced as another provider's model
    expect(find("sambanova", "Meta-Llama-3.3-70B-Instruct")).toBeUndefined();
    expect(table.find(undefined, "gpt-4o")).toBeUndefined();
    expect(find("openai", "whisper-1")).toBeUndefined(); // priced per audio hour: nothing the gateway counts
    expect(find("mock", "echo")).toEqual({ input: 0, output: 0 });
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])("%s is no model and no provider", (name) => {
    for (const provider of ["openai", "anthropic", "aws-bedrock", "google-ai-studio", "azure-openai", "openrouter", "groq", "huggingface", name]) {
      expect(find(provider, name), provider).toBeUndefined();
      expect(find(provider, `${name}:${name}`), provider).toBeUndefined();
    }
    expect(datasetName(name, "gpt-4o")).toBeUndefined();
  });
});

describe("priceTable: the config's prices win", () => {
  const table = priceTable(
    {
      "my-vllm/*": { input: 0.1, output: 0.2 },
      "gpt-4o": { input: 3, output: 11 },
      "anthropic/claude-sonnet-4-5": { input: 2, output: 10, cachedInput: 0.2, cacheWrite: 2.5, cacheWrite1h: 4 },
      "openrouter/anthropic/claude-3.5-sonnet": { input: 1, output: 1 },
    },
    (name) => ({ "openai-eu": "openai", "my-vllm": "my-vllm" })[name],
  );

  it("by provider/model, provider/* or bare model id, over the dataset", () => {
    expect(table.find("openai", "gpt-4o", NOW)).toEqual({ input: 3, output: 11 });
    expect(table.find("azure-openai", "gpt-4o", NOW)).toEqual({ input: 3, output: 11 });
    // A config price for a model covers its dated versions.
    expect(table.find("openai", "gpt-4o-2024-05-13", NOW)).toEqual({ input: 3, output: 11 });
    expect(table.find("anthropic", "claude-sonnet-4-5-20250929", NOW)?.input).toBe(2);
    expect(table.find("openrouter", "anthropic/claude-3.5-sonnet", NOW)).toEqual({ input: 1, output: 1 });
    expect(table.find("my-vllm", "qwen", NOW)).toEqual({ input: 0.1, output: 0.2 });
    // The rest comes from the dataset.
    expect(table.find("openai", "gpt-4o-mini", NOW)?.input).toBe(0.15);
  });

  it("a configured route of a built-in type finds its type's prices", () => {
    expect(table.find("openai-eu", "gpt-4.1", NOW)?.input).toBe(2);
    expect(table.find("openai-eu", "gpt-4o", NOW)).toEqual({ input: 3, output: 11 });
  });

  it("config names are not looked up on the prototype", () => {
    for (const name of ["constructor", "__proto__", "toString"]) {
      expect(priceTable({}).find("openai", name, NOW)).toBeUndefined();
      expect(priceTable({}).find(name, name, NOW)).toBeUndefined();
    }
  });
});

describe("costMicros", () => {
  it("a token costs exactly its price per 1M in micro-dollars; cached input at the cached price", () => {
    const price = { input: 2.5, output: 10, cachedInput: 1.25 };
    expect(costMicros(price, usage(1000, 100))).toBe(3500);
    expect(costMicros(price, usage(1000, 0, { cached_tokens: 400 }))).toBe(600 * 2.5 + 400 * 1.25);
    expect(costMicros({ input: 1, output: 1 }, usage(10, 0, { cached_tokens: 10 }))).toBe(10);
    expect(costMicros(price, { prompt_tokens: -5, completion_tokens: Number.NaN, total_tokens: 0 } as any)).toBe(0);
  });

  it("Anthropic: uncached input, cache reads, 5-minute writes, 1-hour writes and output, each at its rate", () => {
    const sonnet4 = priceTable().find("anthropic", "claude-sonnet-4-20250514", NOW)!;
    // 10,000 prompt tokens: 1,000 uncached, 5,000 read, 4,000 written (1,000 of them for an hour).
    const u = usage(10_000, 200, { cached_tokens: 5000, cache_write_tokens: 4000, cache_write_1h_tokens: 1000 });
    expect(costMicros(sonnet4, u)).toBe(1000 * 3 + 5000 * 0.3 + 3000 * 3.75 + 1000 * 6 + 200 * 15);
    // Without a cache-write rate, writes cost input; without a 1-hour rate, the 5-minute one.
    expect(costMicros({ input: 3, output: 15, cachedInput: 0.3 }, u)).toBe(5000 * 3 + 5000 * 0.3 + 200 * 15);
    expect(costMicros({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 }, u)).toBe(1000 * 3 + 5000 * 0.3 + 4000 * 3.75 + 200 * 15);
  });

  it("counts held to their totals: reads and writes within the prompt, 1-hour writes within the writes", () => {
    const price = { input: 1, output: 0, cachedInput: 0.1, cacheWrite: 2, cacheWrite1h: 4 };
    expect(costMicros(price, usage(100, 0, { cached_tokens: 80, cache_write_tokens: 50, cache_write_1h_tokens: 70 }))).toBe(80 * 0.1 + 20 * 4);
  });

  it("Gemini above 200k prompt tokens: every token at the long-context rates", () => {
    const pro = priceTable().find("google-ai-studio", "gemini-2.5-pro", NOW)!;
    expect(costMicros(pro, usage(200_000, 1000))).toBe(200_000 * 1.25 + 1000 * 10);
    expect(costMicros(pro, usage(200_002, 1000, { cached_tokens: 100_000 }))).toBe(100_002 * 2.5 + 100_000 * 0.25 + 1000 * 15);
    // The prompt size can be given apart from the usage.
    expect(costMicros(pro, usage(1000, 1000), { promptTokens: 250_000 })).toBe(1000 * 2.5 + 1000 * 15);
  });

  it("batch rates where the price has them; the dataset has none, so a batch call costs the standard rates", () => {
    const own = { input: 2, output: 8, batchInput: 1, batchOutput: 4 };
    expect(costMicros(own, usage(1000, 100), { batch: true })).toBe(1000 * 1 + 100 * 4);
    expect(costMicros(own, usage(1000, 100))).toBe(1000 * 2 + 100 * 8);
    const mini = priceTable().find("openai", "gpt-4.1-mini", NOW)!;
    expect(costMicros(mini, usage(1000, 100), { batch: true })).toBe(costMicros(mini, usage(1000, 100)));
  });

  it("reasoning tokens are output, at a reasoning rate only where the price has one", () => {
    expect(costMicros({ input: 1, output: 10 }, usage(0, 500, {}, 300))).toBe(5000);
    const deepResearch = priceTable().find("perplexity", "sonar-deep-research", NOW)!;
    expect(deepResearch.reasoning).toBe(3);
    expect(costMicros(deepResearch, usage(100, 500, {}, 300))).toBe(100 * 2 + 200 * 8 + 300 * 3);
  });

  it("the mock provider's calls cost nothing", () => {
    expect(costMicros(priceTable().find("mock", "echo", NOW)!, usage(1e6, 1e6))).toBe(0);
  });
});

describe("the price list loads on first need", () => {
  it("a table is ready once the list is loaded; every table shares the one import", async () => {
    const [a, b] = [priceTable(), priceTable()];
    await Promise.all([a.ready, b.ready]);
    expect(a.ready).toBe(b.ready);
    expect(a.find("openai", "gpt-4o", NOW)).toEqual(b.find("openai", "gpt-4o", NOW));
  });

  it("core/pricing/cost.ts does not import the list statically", async () => {
    const { readFileSync } = await import("node:fs");
    const src = readFileSync(new URL("../../../core/pricing/cost.ts", import.meta.url), "utf8");
    expect(src).not.toMatch(/^import .*\.\/dataset\.js/m);
    expect(src).toContain('import("./dataset.js")');
  });
});
