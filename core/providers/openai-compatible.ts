import { badRequest } from "../errors.js";
import { openAIStreamTranslator } from "../formats/openai-stream.js";
import type { ChatRequest } from "../types.js";
import { bearer, type CallContext, type Provider, type ProviderConfig } from "./types.js";

/** A 2xx body that is an OpenAI answer at all: chat and completions carry choices, embeddings data. */
export const hasChoices = (json: any) => Array.isArray(json?.choices);
export const hasData = (json: any) => Array.isArray(json?.data);

/** What differs between providers that speak OpenAI's API: data, not code. */
interface CompatEntry {
  baseUrl: string | ((cfg: ProviderConfig, env: Record<string, string | undefined>) => string);
  keyEnv: string[];
  aliases?: string[];
  /** Accepts `stream_options.include_usage` (the others are not sent it). */
  streamUsage?: boolean;
  /** Serves OpenAI's Responses API at /responses. */
  responses?: boolean;
  completions?: boolean;
  embeddings?: boolean;
  models?: string[];
}

const ACCOUNT_ID = /^[0-9a-f]{32}$/;

export const OPENAI_COMPATIBLE: Record<string, CompatEntry> = {
  openai: { baseUrl: "https://api.openai.com/v1", keyEnv: ["OPENAI_API_KEY"], streamUsage: true, responses: true, completions: true, embeddings: true, models: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini", "text-embedding-3-small", "text-embedding-3-large"] },
  groq: { baseUrl: "https://api.groq.com/openai/v1", keyEnv: ["GROQ_API_KEY"], streamUsage: true },
  deepseek: { baseUrl: "https://api.deepseek.com/v1", keyEnv: ["DEEPSEEK_API_KEY"], streamUsage: true },
  mistral: { baseUrl: "https://api.mistral.ai/v1", keyEnv: ["MISTRAL_API_KEY"], embeddings: true },
  together: { baseUrl: "https://api.together.xyz/v1", keyEnv: ["TOGETHER_API_KEY"], streamUsage: true, completions: true, embeddings: true },
  fireworks: { baseUrl: "https://api.fireworks.ai/inference/v1", keyEnv: ["FIREWORKS_API_KEY"], streamUsage: true, completions: true, embeddings: true },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1", keyEnv: ["OPENROUTER_API_KEY"], streamUsage: true, completions: true },
  perplexity: { baseUrl: "https://api.perplexity.ai", keyEnv: ["PERPLEXITY_API_KEY"] },
  cerebras: { baseUrl: "https://api.cerebras.ai/v1", keyEnv: ["CEREBRAS_API_KEY"], streamUsage: true },
  grok: { baseUrl: "https://api.x.ai/v1", keyEnv: ["XAI_API_KEY", "GROK_API_KEY"], aliases: ["xai"], streamUsage: true },
  sambanova: { baseUrl: "https://api.sambanova.ai/v1", keyEnv: ["SAMBANOVA_API_KEY"], streamUsage: true },
  cohere: { baseUrl: "https://api.cohere.ai/compatibility/v1", keyEnv: ["COHERE_API_KEY", "CO_API_KEY"], embeddings: true },
  huggingface: { baseUrl: "https://router.huggingface.co/v1", keyEnv: ["HF_TOKEN", "HUGGINGFACE_API_KEY"], streamUsage: true },
  "workers-ai": {
    baseUrl: (cfg, env) => {
      const account = (cfg.accountId as string | undefined) ?? env.CLOUDFLARE_ACCOUNT_ID;
      if (!account || !ACCOUNT_ID.test(account)) {
        throw badRequest("Provider workers-ai needs a Cloudflare account id: set providers.workers-ai.accountId or CLOUDFLARE_ACCOUNT_ID.", "model", "provider_not_configured");
      }
      return `https://api.cloudflare.com/client/v4/accounts/${account}/ai/v1`;
    },
    keyEnv: ["CLOUDFLARE_API_TOKEN"],
    embeddings: true,
  },
};

const openAIStream = { framing: "sse", translator: openAIStreamTranslator } as const;

/** The body as the client sent it, the model renamed; asks for the usage chunk of a stream when the provider sends one. */
function openAIRequest<T extends { stream_options?: { include_usage?: boolean } | null }>(path: string, body: T, ctx: CallContext, streamUsage: boolean | undefined) {
  const out: T = { ...body, model: ctx.model };
  if (ctx.stream && streamUsage && !ctx.clientWantsUsage) out.stream_options = { ...(body.stream_options ?? {}), include_usage: true };
  return { path, body: out };
}

/** The shared base every OpenAI-speaking provider is made from. */
export function openAICompatibleProvider(id: string, entry: CompatEntry, needsCredential = true): Provider {
  const { baseUrl } = entry;
  return {
    id,
    aliases: entry.aliases,
    baseUrl: typeof baseUrl === "string" ? () => baseUrl : baseUrl,
    keyEnv: entry.keyEnv,
    needsCredential,
    streamUsage: entry.streamUsage === true,
    models: entry.models,
    authorize: bearer,
    chat: {
      request: (body: ChatRequest, ctx) => openAIRequest("/chat/completions", body, ctx, entry.streamUsage),
      response: null,
      isAnswer: hasChoices,
      stream: openAIStream,
    },
    responses: entry.responses ? { request: (body, ctx) => ({ path: "/responses", body: { ...body, model: ctx.model } }) } : undefined,
    completions: entry.completions
      ? { request: (body, ctx) => openAIRequest("/completions", body, ctx, entry.streamUsage), response: null, isAnswer: hasChoices, stream: openAIStream }
      : undefined,
    embeddings: entry.embeddings ? { request: (body, ctx) => ({ path: "/embeddings", body: { ...body, model: ctx.model } }), response: null, isAnswer: hasData } : undefined,
  };
}

/** A config entry `{"type": "openai-compatible", "baseUrl": …}`: vLLM, Ollama, LM Studio, any OpenAI-shaped server. */
export function customOpenAICompatible(name: string, cfg: ProviderConfig): Provider {
  return openAICompatibleProvider(
    name,
    { baseUrl: "", keyEnv: [], streamUsage: cfg.streamUsage !== false, completions: true, embeddings: true },
    false,
  );
}

export const openAICompatibleProviders: Provider[] = Object.entries(OPENAI_COMPATIBLE).map(([id, e]) => openAICompatibleProvider(id, e));
