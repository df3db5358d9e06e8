import { float32Base64 } from "../../formats/base64.js";
import { badRequest, upstreamError } from "../../errors.js";
import type { BuiltRequest, CallContext } from "../types.js";

/**
 * /v1/embeddings through Bedrock's InvokeModel. Two model families:
 *  - Amazon Titan Text Embeddings (amazon.titan-embed-text-v2:0, -v1): one text per call, so a
 *    request holds one input (an array of one is fine; more is a clear 400 — send them one by one
 *    or use Cohere, which takes a batch).
 *  - Cohere Embed (cohere.embed-english-v3, cohere.embed-multilingual-v3, cohere.embed-v4:0): up to
 *    96 texts per call; input_type defaults to "search_document" (a body field `input_type` overrides).
 */
type Family = "titan" | "cohere";

export function embeddingFamily(model: string): Family {
  if (/(^|\.)amazon\.titan-embed-(text|g1-text)/.test(model)) return "titan";
  if (/(^|\.)cohere\.embed-/.test(model)) return "cohere";
  throw badRequest(`Bedrock embeddings support Amazon Titan Text (amazon.titan-embed-text-v2:0) and Cohere Embed (cohere.embed-*) models, not "${model}".`, "model", "unsupported_model");
}

function texts(input: unknown): string[] {
  const list = Array.isArray(input) ? input : [input];
  return list.map((t, i) => {
    if (typeof t !== "string") throw badRequest("Bedrock embeddings take text: input must be a string or an array of strings (not token ids).", Array.isArray(input) ? `input[${i}]` : "input", "invalid_value");
    return t;
  });
}

export function embeddingsRequest(body: any, ctx: CallContext): BuiltRequest {
  const path = `/model/${encodeURIComponent(ctx.model)}/invoke`;
  const list = texts(body.input);
  const headers = { accept: "application/json" };
  if (embeddingFamily(ctx.model) === "titan") {
    if (list.length > 1) {
      throw badRequest(`Titan embedding models take one text per request; this request holds ${list.length}. Send them one by one, or use a Cohere embedding model for batches.`, "input", "unsupported_parameter");
    }
    const out: Record<string, unknown> = { inputText: list[0] };
    if (ctx.model.includes("text-v2")) {
      out.normalize = true;
      if (body.dimensions !== undefined) out.dimensions = body.dimensions;
    } else if (body.dimensions !== undefined) {
      throw badRequest(`${ctx.model} has a fixed size: dimensions is only accepted by amazon.titan-embed-text-v2.`, "dimensions", "unsupported_parameter");
    }
    return { path, body: out, headers };
  }
  if (list.length > 96) throw badRequest(`Cohere embedding models take at most 96 texts per request; this one holds ${list.length}.`, "input", "unsupported_parameter");
  const out: Record<string, unknown> = { texts: list, input_type: typeof body.input_type === "string" ? body.input_type : "search_document" };
  if (typeof body.truncate === "string") out.truncate = body.truncate;
  if (body.dimensions !== undefined) out.output_dimension = body.dimensions;
  return { path, body: out, headers };
}

export function embeddingsResponse(json: any, ctx: CallContext, base64: boolean) {
  let vectors: number[][];
  let tokens = 0;
  if (embeddingFamily(ctx.model) === "titan") {
    if (!Array.isArray(json?.embedding)) throw badResponse();
    vectors = [json.embedding];
    tokens = Number(json.inputTextTokenCount) || 0;
  } else {
    // v3 answers {embeddings: [[…]]}; v4 answers {embeddings: {float: [[…]]}}.
    const e = json?.embeddings;
    vectors = Array.isArray(e) ? e : Array.isArray(e?.float) ? e.float : undefined!;
    if (!Array.isArray(vectors)) throw badResponse();
    tokens = Number(json?.meta?.billed_units?.input_tokens) || 0;
  }
  return {
    object: "list",
    data: vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? float32Base64(v) : v })),
    model: ctx.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

const badResponse = () => upstreamError(502, 'Provider "aws-bedrock" sent an embeddings answer without embeddings.', "bad_upstream_response");

