import { sseAnswer, wholeResponse } from "../response-parts.js";
import { badRequest, upstreamError } from "../errors.js";
import type { Gateway } from "../gateway.js";
import type { BuiltRequest, EndpointAdapter } from "../providers/types.js";
import type { Built } from "../upstream/attempt-loop.js";
import { clientStream } from "../lifecycle/chat-stream.js";
import { guardAnswer } from "../guardrails/answer.js";
import { chunkGuard } from "../guardrails/stream-guards.js";
import { jsonMaterial } from "../lifecycle/cache.js";
import { resolveTargets } from "../lifecycle/route.js";
import { passesChatSchema } from "../lifecycle/chat-check.js";
import { editedText, isJsonObject } from "../formats/json-text.js";
import type { ApiRoute } from "../lifecycle/stages.js";
import { parseJson, requestSchemas, validate } from "../lifecycle/validate.js";

/**
 * The OpenAI API: POST /v1/chat/completions, /v1/completions, /v1/embeddings. Each reads OpenAI's
 * wire format, lets the provider's adapter map it, and answers in OpenAI's shape: JSON read whole,
 * or a stream of OpenAI chunks.
 */

export type Endpoint = "chat" | "completions" | "embeddings";

const PATHS: Record<Endpoint, string> = { chat: "/v1/chat/completions", completions: "/v1/completions", embeddings: "/v1/embeddings" };

const JSON_HEADERS = { "content-type": "application/json" };
const decoder = new TextDecoder();

type OpenAIBody = { model: string; stream?: boolean | null; stream_options?: { include_usage?: boolean } | null; [k: string]: unknown };

export function openAIRoute(gw: Gateway, endpoint: Endpoint): ApiRoute {
  const adapterOf = (provider: { [K in Endpoint]?: EndpointAdapter<any> }, name: string): EndpointAdapter<any> => {
    const adapter = provider[endpoint];
    if (!adapter) throw badRequest(`Provider "${name}" does not serve ${PATHS[endpoint]}.`, "model", "unsupported_endpoint");
    return adapter;
  };
  return {
    endpoint,
    async read(request, call) {
      const text = await request.text();
      const body = parseJson(text) as OpenAIBody;
      // The body's text as it came, edited rather than serialised anew upstream; dropped once a guardrail rewrites the body.
      let raw: string | undefined = text;
      validate(requestSchemas()[endpoint], body, endpoint === "chat" ? passesChatSchema : undefined);
      call.model = body.model;
      const stream = endpoint !== "embeddings" && body.stream === true;
      return {
        model: body.model,
        targets: resolveTargets(gw, body.model, request.headers),
        stream,
        clientWantsUsage: body.stream_options?.include_usage === true,
        cacheMaterial: jsonMaterial(body),
        prompt: { format: endpoint, body, changed: () => void (raw = undefined) },
        build(ctx) {
          const adapter = adapterOf(ctx.provider, ctx.providerName);
          if (stream && !adapter.stream) throw badRequest(`Provider "${ctx.providerName}" does not stream ${PATHS[endpoint]}.`, "stream", "unsupported_endpoint");
          const serialised = (out: unknown) => (raw !== undefined && isJsonObject(out) ? editedText(raw, body, out) : JSON.stringify(out));
          const toBuilt = (built: BuiltRequest): Built => ({
            req: {
              url: ctx.baseUrl + built.path,
              method: built.method ?? "POST",
              headers: { "content-type": "application/json", accept: stream ? "text/event-stream" : "application/json", ...ctx.config.headers, ...built.headers },
              body: built.method === "GET" ? undefined : typeof built.body === "string" ? built.body : serialised(built.body),
            },
            state: built.state,
          });
          const built = adapter.request(body, ctx);
          return built instanceof Promise ? built.then(toBuilt) : toBuilt(built);
        },
      };
    },

    async respond(answer, call, _req, headers) {
      const { ctx } = answer;
      const adapter = adapterOf(ctx.provider, ctx.providerName);
      if (call.record.stream) {
        const source = clientStream(
          answer,
          adapter.stream!,
          (t) => call.scrub(t),
          (end) => call.finish({ usage: end.usage, error: end.error?.message, errorCode: end.error?.code ?? undefined, status: end.cancelled ? 499 : 200 }),
          undefined,
          chunkGuard(gw, call),
        );
        return sseAnswer(source, headers);
      }

      let bytes: Uint8Array;
      try {
        bytes = await answer.body.bytes();
      } finally {
        answer.timer.release();
      }
      let json: any;
      try {
        json = JSON.parse(decoder.decode(bytes));
      } catch {
        throw upstreamError(502, `Provider "${ctx.providerName}" sent a response that is not JSON.`, "bad_upstream_response");
      }
      if (!adapter.isAnswer(json)) {
        throw upstreamError(502, `Provider "${ctx.providerName}" answered 200 with a body that is not a ${PATHS[endpoint]} answer.`, "bad_upstream_response");
      }
      let changed = false;
      if (adapter.response) {
        json = adapter.response(json, ctx, answer.state);
        changed = true;
      }
      const guarded = guardAnswer(gw, call, endpoint, json, json?.usage ?? undefined, headers);
      if (guarded && (await guarded)) changed = true;
      if (changed) bytes = new TextEncoder().encode(JSON.stringify(json));
      call.finish({ usage: json?.usage ?? undefined });
      return wholeResponse(bytes, 200, Object.assign(headers, JSON_HEADERS));
    },
  };
}
