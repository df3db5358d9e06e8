import type { ChatRequest } from "../../types.js";
import type { CallContext, Provider } from "../types.js";
import { toConverse, type ConverseCallState } from "./converse-request.js";
import { fromConverse } from "./converse-response.js";
import { converseStreamTranslator } from "./converse-stream.js";
import { clientAwsCredential, gatewayAwsCredential, isBedrockApiKey } from "./credentials.js";
import { embeddingsRequest, embeddingsResponse } from "./embeddings.js";
import { bedrockMessages } from "./invoke-messages.js";
import { configuredRegion, endpointFor } from "./region.js";
import { NO_CREDENTIAL, authorizeBedrock } from "./sign.js";

/**
 * AWS Bedrock through the Converse / ConverseStream APIs (one request shape for every model
 * family), signed with SigV4, streamed as AWS event-stream frames; embeddings through InvokeModel.
 */

const modelPath = (ctx: CallContext, action: string) => `/model/${encodeURIComponent(ctx.model)}/${action}`;

export const bedrockProvider: Provider = {
  id: "aws-bedrock",
  aliases: ["bedrock"],
  baseUrl: (config, env) => endpointFor(configuredRegion(config, env)),
  keyEnv: [],
  needsCredential: true,
  checkConfig(config, env) {
    try {
      configuredRegion(config, env);
      gatewayAwsCredential({ config, env });
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  },
  authorize: authorizeBedrock,
  clientCredential: (headers) => clientAwsCredential(headers),
  ambientCredential: (ctx) => gatewayAwsCredential(ctx),
  // The openai SDK always sends some Authorization: only a Bedrock API key there is a Bedrock credential.
  acceptsClientKey: isBedrockApiKey,
  missingCredential: NO_CREDENTIAL,
  errorMessage: (json) => (typeof json?.message === "string" ? json.message : typeof json?.Message === "string" ? json.Message : undefined),
  models: [
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "us.amazon.nova-pro-v1:0",
    "us.meta.llama3-3-70b-instruct-v1:0",
    "amazon.titan-embed-text-v2:0",
    "cohere.embed-english-v3",
  ],
  chat: {
    request(body: ChatRequest, ctx) {
      const state: ConverseCallState = {};
      const converse = toConverse(body, state);
      return {
        path: modelPath(ctx, ctx.stream ? "converse-stream" : "converse"),
        body: converse,
        headers: { accept: ctx.stream ? "application/vnd.amazon.eventstream" : "application/json" },
        state,
      };
    },
    response: (json, ctx, state: ConverseCallState) => fromConverse(json, ctx, state),
    isAnswer: (json) => json?.output != null && typeof json.output === "object",
    stream: { framing: "aws-eventstream", translator: (ctx, state: ConverseCallState) => converseStreamTranslator(ctx, state) },
  },
  messages: bedrockMessages,
  embeddings: {
    request: (body, ctx) => ({ ...embeddingsRequest(body, ctx), state: body.encoding_format === "base64" }),
    response: (json, ctx, base64: boolean) => embeddingsResponse(json, ctx, base64),
    isAnswer: (json) => Array.isArray(json?.embedding) || json?.embeddings != null,
  },
};
