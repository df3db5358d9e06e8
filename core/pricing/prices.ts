import type { ModelPrice } from "../config.js";

/**
 * List prices in USD per 1M tokens: input, output, and cached input where the provider discounts it.
 * Keys are "provider/model" or a bare model id (matched under any provider: openrouter, bedrock …).
 * Dated or versioned names ("gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022") fall back to the
 * undated entry. Standard (non-batch, short-context) tiers. Add or override in the config's "prices".
 */
export const PRICES: Record<string, ModelPrice> = {
  // OpenAI
  "gpt-5": { input: 1.25, output: 10, cachedInput: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cachedInput: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cachedInput: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cachedInput: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cachedInput: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cachedInput: 0.075 },
  "gpt-4-turbo": { input: 10, output: 30 },
  "gpt-3.5-turbo": { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60, cachedInput: 7.5 },
  o3: { input: 2, output: 8, cachedInput: 0.5 },
  "o3-mini": { input: 1.1, output: 4.4, cachedInput: 0.55 },
  "o4-mini": { input: 1.1, output: 4.4, cachedInput: 0.275 },
  "text-embedding-3-small": { input: 0.02, output: 0 },
  "text-embedding-3-large": { input: 0.13, output: 0 },
  "text-embedding-ada-002": { input: 0.1, output: 0 },

  // Anthropic (cached input = cache reads)
  "claude-opus-4-5": { input: 5, output: 25, cachedInput: 0.5 },
  "claude-opus-4-1": { input: 15, output: 75, cachedInput: 1.5 },
  "claude-opus-4": { input: 15, output: 75, cachedInput: 1.5 },
  "claude-sonnet-4-5": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-sonnet-4": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-3-7-sonnet": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-3-5-sonnet": { input: 3, output: 15, cachedInput: 0.3 },
  "claude-haiku-4-5": { input: 1, output: 5, cachedInput: 0.1 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cachedInput: 0.08 },
  "claude-3-haiku": { input: 0.25, output: 1.25, cachedInput: 0.03 },
  "claude-3-opus": { input: 15, output: 75, cachedInput: 1.5 },

  // Google Gemini (prompts up to 200k tokens)
  "gemini-2.5-pro": { input: 1.25, output: 10, cachedInput: 0.31 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cachedInput: 0.075 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4, cachedInput: 0.025 },
  "gemini-2.0-flash-lite": { input: 0.075, output: 0.3 },
  "gemini-1.5-pro": { input: 1.25, output: 5 },
  "gemini-1.5-flash": { input: 0.075, output: 0.3 },
  "text-embedding-004": { input: 0, output: 0 },

  // Groq
  "groq/llama-3.1-8b-instant": { input: 0.05, output: 0.08 },
  "groq/llama-3.3-70b-versatile": { input: 0.59, output: 0.79 },
  "groq/openai/gpt-oss-120b": { input: 0.15, output: 0.75 },
  "groq/openai/gpt-oss-20b": { input: 0.1, output: 0.5 },

  // DeepSeek
  "deepseek-chat": { input: 0.27, output: 1.1, cachedInput: 0.07 },
  "deepseek-reasoner": { input: 0.55, output: 2.19, cachedInput: 0.14 },

  // Mistral
  "mistral-large-latest": { input: 2, output: 6 },
  "mistral-medium-latest": { input: 0.4, output: 2 },
  "mistral-small-latest": { input: 0.1, output: 0.3 },
  "codestral-latest": { input: 0.3, output: 0.9 },
  "open-mistral-nemo": { input: 0.15, output: 0.15 },
  "mistral-embed": { input: 0.1, output: 0 },

  // xAI
  "grok-4": { input: 3, output: 15, cachedInput: 0.75 },
  "grok-3": { input: 3, output: 15, cachedInput: 0.75 },
  "grok-3-mini": { input: 0.3, output: 0.5, cachedInput: 0.075 },

  // Cohere
  "command-a": { input: 2.5, output: 10 },
  "command-r-plus": { input: 2.5, output: 10 },
  "command-r": { input: 0.15, output: 0.6 },

  // Perplexity (token prices only; request fees are not counted)
  sonar: { input: 1, output: 1 },
  "sonar-pro": { input: 3, output: 15 },

  // The built-in demo provider costs nothing.
  "mock/*": { input: 0, output: 0 },
};
