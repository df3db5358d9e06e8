import type { ChatRequest } from "../../types.js";
import type { CallContext, Provider } from "../types.js";
import { toConverse, type ConverseCallState } from "./converse-request.js";
import { fromConverse } from "./converse-response.js";
import { converseStreamTranslator } from "./converse-stream.js";
import { clientAwsCredential, gatewayAwsCredential, isBedrockApiKey } from "./credentials.js";
import { embeddingsRequest, embeddingsResponse } from "./embeddings.js";
import { configuredRegion, endpointFor } from "./region.js";
import { NO_CREDENTIAL, authorizeBedrock } from "./sign.js";

/**
 * AWS Bedrock through the Converse / ConverseStream APIs (one request shape for every model
 * family), signed with SigV4, streamed as AWS event-stream frames; embeddings through InvokeModel.
 */

/** What request() learned that response()/the stream translator need: keyed by the call's context. */
const callState = new WeakMap<CallContext, ConverseCallState & { base64?: boolean }>();
const stateOf = (ctx: CallContext) => callState.get(ctx) ?? {};

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
      callState.set(ctx, state);
      return {
        path: modelPath(ctx, ctx.stream ? "converse-stream" : "converse"),
        body: converse,
        headers: { accept: ctx.stream ? "application/vnd.amazon.eventstream" : "application/json" },
      };
    },
    response: (json, ctx) => fromConverse(json, ctx, stateOf(ctx)),
    stream: { framing: "aws-eventstream", translator: (ctx) => converseStreamTranslator(ctx, stateOf(ctx)) },
  },
  embeddings: {
    request(body, ctx) {
      callState.set(ctx, { base64: body.encoding_format === "base64" });
      return embeddingsRequest(body, ctx);
    },
    response: (json, ctx) => embeddingsResponse(json, ctx, stateOf(ctx).base64 === true),
  },
};
