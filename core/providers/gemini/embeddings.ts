import { float32Base64 } from "../../formats/base64.js";
import { badRequest } from "../../errors.js";
import type { EndpointAdapter } from "../types.js";
import { modelPathSegment } from "./model.js";

interface EmbeddingsState {
  base64: boolean;
}

interface EmbeddingsRequest {
  model: string;
  input: unknown;
  dimensions?: number;
  encoding_format?: "float" | "base64";
  /** Gemini's taskType (RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT, SEMANTIC_SIMILARITY, …), an extension field. */
  task_type?: string;
}

/**
 * /v1/embeddings → embedContent for one string, batchEmbedContents for a list. Token-id inputs
 * (arrays of numbers) have no Gemini equivalent and are refused.
 */
export const geminiEmbeddings: EndpointAdapter<EmbeddingsRequest> = {
  request(body, ctx) {
    const model = modelPathSegment(ctx.model);
    const state: EmbeddingsState = { base64: body.encoding_format === "base64" };
    const content = (text: string) => {
      const r: Record<string, unknown> = { content: { parts: [{ text }] } };
      if (body.dimensions != null) r.outputDimensionality = body.dimensions;
      if (typeof body.task_type === "string") r.taskType = body.task_type;
      return r;
    };
    if (typeof body.input === "string") return { path: `/v1beta/models/${model}:embedContent`, body: content(body.input), state };
    const inputs = body.input as unknown[];
    if (!inputs.every((x) => typeof x === "string")) throw badRequest("Gemini embeddings take text: input must be a string or an array of strings (not token ids).", "input", "unsupported_input");
    return {
      path: `/v1beta/models/${model}:batchEmbedContents`,
      body: { requests: (inputs as string[]).map((text) => ({ model: `models/${decodeURIComponent(model)}`, ...content(text) })) },
      state,
    };
  },
  isAnswer: (json) => json?.embedding != null || Array.isArray(json?.embeddings),
  response(json, ctx, state: EmbeddingsState) {
    const vectors: number[][] = json.embedding ? [json.embedding.values ?? []] : (json.embeddings ?? []).map((e: any) => e.values ?? []);
    const base64 = state.base64;
    const tokens = json.usageMetadata?.promptTokenCount ?? 0;
    return {
      object: "list",
      data: vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? float32Base64(v) : v })),
      model: ctx.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    };
  },
};

