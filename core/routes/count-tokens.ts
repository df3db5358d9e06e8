import * as v from "valibot";
import { upstreamError } from "../errors.js";
import { toBase64 } from "../formats/base64.js";
import { estimateTokens } from "../formats/anthropic/count-tokens.js";
import type { Gateway } from "../gateway.js";
import { resolveTargets } from "../lifecycle/route.js";
import { readJson } from "./chat-target.js";
import type { ApiRoute } from "../lifecycle/stages.js";
import { parseJson, validate } from "../lifecycle/validate.js";
import type { BuiltRequest, CallContext } from "../providers/types.js";
import { wholeResponse } from "../response-parts.js";

/**
 * POST /v1/messages/count_tokens: exact from Anthropic and from Claude on Bedrock (their own
 * counting APIs), an estimate for any other target (about four characters a token, answered by
 * the gateway with no upstream call and `x-strait-token-count: estimate`).
 */

const JSON_HEADERS = { "content-type": "application/json" };
const ESTIMATE_HEADERS = { ...JSON_HEADERS, "x-strait-token-count": "estimate" };

const CountSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(256, "is longer than 256 characters")),
  messages: v.array(v.unknown(), "must be an array of messages"),
});

/** Bedrock counts tokens for foundation models only: an inference profile's region prefix is dropped. */
const foundationModel = (id: string) => id.replace(/^(us|eu|apac|global|us-gov|jp|au)\./, "");

function countRequest(body: Record<string, unknown>, ctx: CallContext): BuiltRequest | undefined {
  if (ctx.provider.id === "anthropic") return { path: "/v1/messages/count_tokens", body: { ...body, model: ctx.model } };
  if (ctx.provider.messages?.accepts?.(ctx.model)) {
    const native = ctx.provider.messages.request(body, { ...ctx, stream: false });
    const json = new TextEncoder().encode(JSON.stringify(native.body));
    return { path: `/model/${encodeURIComponent(foundationModel(ctx.model))}/count-tokens`, body: { input: { invokeModel: { body: toBase64(json) } } } };
  }
  return undefined;
}

export function countTokensRoute(gw: Gateway): ApiRoute {
  return {
    endpoint: "count_tokens",
    async read(request, call) {
      const body = validate(CountSchema, parseJson(await request.text())) as Record<string, unknown> & { model: string };
      call.model = body.model;
      const targets = resolveTargets(gw, body.model, request.headers);
      const first = targets[0]!;
      const counts = first.route.provider.id === "anthropic" || first.route.provider.messages?.accepts?.(first.model) === true;
      return {
        model: body.model,
        targets,
        stream: false,
        clientWantsUsage: false,
        prompt: { format: "anthropic", body },
        // No provider counts for this target: the gateway's estimate, with no upstream call.
        answer: counts ? undefined : (headers) => wholeResponse(JSON.stringify({ input_tokens: estimateTokens(body) }), 200, Object.assign(headers, ESTIMATE_HEADERS)),
        async build(ctx) {
          const built = countRequest(body, ctx);
          if (!built) throw upstreamError(502, `Provider "${ctx.providerName}" has no token counting API.`, "unsupported_endpoint");
          return { req: { url: ctx.baseUrl + built.path, method: "POST", headers: { "content-type": "application/json", accept: "application/json", ...ctx.config.headers }, body: JSON.stringify(built.body) } };
        },
      };
    },

    async respond(answer, call, _req, headers) {
      const json = await readJson(answer);
      const tokens = typeof json?.input_tokens === "number" ? json.input_tokens : json?.inputTokens;
      if (typeof tokens !== "number") throw upstreamError(502, `Provider "${answer.ctx.providerName}" answered with no token count.`, "bad_upstream_response");
      call.finish({});
      return wholeResponse(JSON.stringify({ input_tokens: tokens }), 200, Object.assign(headers, JSON_HEADERS));
    },
  };
}
