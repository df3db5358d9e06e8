import type { UpstreamRequest } from "../../http.js";
import type { ChatRequest } from "../../types.js";
import type { CallContext, Provider } from "../types.js";
import { ANTHROPIC_VERSION } from "./mappings.js";
import { toAnthropic } from "./request.js";
import { anthropicErrorMessage, fromAnthropic } from "./response.js";
import { anthropicStreamTranslator } from "./stream.js";

/** Client headers passed on to Anthropic (allow-list): opt-in betas such as prompt-caching or extended output. */
const FORWARDED = ["anthropic-beta"];

function authorize(req: UpstreamRequest, ctx: CallContext): UpstreamRequest {
  if (ctx.credential.kind === "key") req.headers["x-api-key"] = ctx.credential.value;
  const version = ctx.config.anthropicVersion;
  // A native /v1/messages call carries the client's own anthropic-version; a translated one gets the configured one.
  req.headers["anthropic-version"] ??= typeof version === "string" && version ? version : ANTHROPIC_VERSION;
  for (const name of FORWARDED) {
    const v = ctx.clientHeaders.get(name);
    if (v && !req.headers[name]) req.headers[name] = v;
  }
  return req;
}

/** Anthropic's Messages API behind OpenAI's chat.completions. */
export const anthropicProvider: Provider = {
  id: "anthropic",
  baseUrl: () => "https://api.anthropic.com",
  keyEnv: ["ANTHROPIC_API_KEY"],
  needsCredential: true,
  webSearch: true,
  models: ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "claude-3-7-sonnet-latest", "claude-3-5-haiku-latest"],
  authorize,
  errorMessage: anthropicErrorMessage,
  messages: {
    framing: "sse",
    request(body, ctx) {
      const headers: Record<string, string> = {};
      const version = ctx.clientHeaders.get("anthropic-version");
      if (version) headers["anthropic-version"] = version;
      return { path: "/v1/messages", body: { ...body, model: ctx.model }, headers };
    },
  },
  chat: {
    request: (body: ChatRequest, ctx) => ({ path: "/v1/messages", body: toAnthropic(body, ctx) }),
    response: (json) => fromAnthropic(json),
    isAnswer: (json) => json?.type === "message" && Array.isArray(json.content),
    stream: { framing: "sse", translator: anthropicStreamTranslator },
  },
};
