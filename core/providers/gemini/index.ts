import type { UpstreamRequest } from "../../http.js";
import type { ChatRequest } from "../../types.js";
import type { CallContext, Provider } from "../types.js";
import { geminiEmbeddings } from "./embeddings.js";
import { modelPathSegment } from "./model.js";
import { toGemini } from "./request.js";
import { fromGemini, geminiErrorMessage } from "./response.js";
import { geminiStreamTranslator } from "./stream.js";

/** The key travels in x-goog-api-key, never in the URL (URLs end up in logs). */
function authorize(req: UpstreamRequest, ctx: CallContext): UpstreamRequest {
  if (ctx.credential.kind === "key") req.headers["x-goog-api-key"] = ctx.credential.value;
  return req;
}

/** Google AI Studio's Gemini API (generativelanguage.googleapis.com) behind OpenAI's chat.completions and embeddings. */
export const geminiProvider: Provider = {
  id: "google-ai-studio",
  aliases: ["gemini", "google"],
  baseUrl: () => "https://generativelanguage.googleapis.com",
  keyEnv: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  needsCredential: true,
  webSearch: true,
  models: ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash", "gemini-embedding-001"],
  authorize,
  errorMessage: geminiErrorMessage,
  chat: {
    request(body: ChatRequest, ctx) {
      const model = modelPathSegment(ctx.model);
      const path = ctx.stream ? `/v1beta/models/${model}:streamGenerateContent?alt=sse` : `/v1beta/models/${model}:generateContent`;
      return { path, body: toGemini(body) };
    },
    response: (json, ctx) => fromGemini(json, ctx.model),
    isAnswer: (json) => Array.isArray(json?.candidates) || json?.promptFeedback != null,
    stream: { framing: "sse", translator: geminiStreamTranslator },
  },
  embeddings: geminiEmbeddings,
};
