import { badRequest, upstreamError } from "../errors.js";
import { SSE_HEADERS, sseAnswer, wholeResponse, type StreamedParts } from "../response-parts.js";
import { editedText, isJsonObject } from "../formats/json-text.js";
import { ChatToResponsesStream, builtInToolNames, chatToResponse, type NamespaceMap, type ResponseItem, responsesToChat } from "../formats/responses/index.js";
import type { Gateway } from "../gateway.js";
import { chatAdapter, notAnAnswer, readJson, upstreamRequest } from "./chat-target.js";
import { jsonMaterial } from "../lifecycle/cache.js";
import type { Call } from "../lifecycle/call.js";
import { clientStream, type StreamWriter } from "../lifecycle/chat-stream.js";
import { resolveTargets } from "../lifecycle/route.js";
import type { ApiRoute, RouteRequest } from "../lifecycle/stages.js";
import { parseJson } from "../lifecycle/validate.js";
import type { ChatCompletion } from "../types.js";
import type { Answer } from "../upstream/attempt-loop.js";
import { usageOf } from "../usage/normalize.js";
import { inputItems, keepResponse, previousItems, responseTenant } from "./responses-state.js";
import { relayNativeSSE } from "./native-sse.js";
import { refuseDroppedTools } from "./translation-settings.js";
import { guardAnswer } from "../guardrails/answer.js";
import type { ResponsesEventGuard } from "../guardrails/event-guard.js";
import { chunkGuard, eventGuard } from "../guardrails/stream-guards.js";

/**
 * OpenAI's Responses API: POST /v1/responses, for Codex CLI, the openai SDK's responses.* and the
 * Agents SDK. To OpenAI and Azure OpenAI the body and the events go through as they are; to any
 * other provider the request is translated to chat completions and the answer back into a
 * Response, streamed event by event. `previous_response_id` is resolved by the gateway from its
 * own store (responses-state.ts), for every provider alike; its items go before this turn's input.
 */

const JSON_HEADERS = { "content-type": "application/json" };
const MAX_DROPPED_HEADER = 1000;

type Body = Record<string, unknown> & { model: string; stream?: boolean; store?: boolean; previous_response_id?: unknown };

interface ResponsesRequest extends RouteRequest {
  body: Body;
  tenant: string;
  /** Earlier turns and this one's input, as stored for the next turn. */
  items: ResponseItem[];
  namespaces: NamespaceMap;
  id: string;
  createdAt: number;
}

export function responsesRoute(gw: Gateway): ApiRoute {
  return {
    endpoint: "responses",
    async read(request, call) {
      const text = await request.text();
      const body = parseJson(text) as Body;
      // The body's text as it came, edited rather than serialised anew for a native upstream; dropped once a guardrail rewrites the body.
      let raw: string | undefined = text;
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("The request body must be a JSON object.");
      if (typeof body.model !== "string" || !body.model || body.model.length > 256) throw badRequest("model must be a model name of 1 to 256 characters.", "model");
      call.model = body.model;
      const headers = request.headers;
      const tenant = await responseTenant(gw, call.auth!, headers);
      const history = await previousItems(gw, tenant, body.previous_response_id);
      const targets = resolveTargets(gw, body.model, headers);
      const stream = body.stream === true;
      const translating = targets.some((t) => !t.route.provider.responses);
      // Translated once when some target needs it: its 400s come before any upstream call. Again if a guardrail rewrote the body.
      let translated = translating ? responsesToChat(body, history) : undefined;
      // Web search runs on a target that searches itself (Claude, Gemini); left out elsewhere.
      const search = translated ? webSearchOptions(body) : undefined;
      const searchEverywhere = targets.every((t) => t.route.provider.responses || t.route.provider.webSearch);
      if (translated) refuseDroppedTools(gw, call, body.model, builtInToolNames(body).filter((n) => !(searchEverywhere && WEB_SEARCH.has(n))));
      // Native targets get the earlier turns as input: the gateway, not the provider, holds the chain.
      const nativeOf = () => {
        const { previous_response_id: _previous, ...rest } = body;
        return history.length ? { ...rest, input: [...history, ...inputItems(body.input)] } : body;
      };
      let nativeBody = nativeOf();
      const req: ResponsesRequest = {
        body,
        tenant,
        items: [...history, ...inputItems(body.input)],
        namespaces: translated?.namespaces ?? Object.create(null),
        id: `resp_${crypto.randomUUID().replaceAll("-", "")}${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
        createdAt: Math.floor(Date.now() / 1000),
        model: body.model,
        targets,
        stream,
        // The usage chunk reaches the writer, which reports it in response.completed.
        clientWantsUsage: true,
        cacheMaterial: history.length ? undefined : jsonMaterial(body),
        // This turn's text is checked; earlier turns were, as they were sent and answered.
        prompt: {
          format: "responses",
          body,
          changed() {
            raw = undefined;
            if (translating) translated = responsesToChat(body, history);
            nativeBody = nativeOf();
            req.items = [...history, ...inputItems(body.input)];
          },
        },
        async build(ctx) {
          const native = ctx.provider.responses;
          if (native) {
            const built = native.request(nativeBody, ctx);
            const sent = raw !== undefined && isJsonObject(built.body) ? editedText(raw, body, built.body) : built.body;
            return { req: upstreamRequest(ctx, built.path, sent, stream), state: { native: true } };
          }
          const chat = chatAdapter(ctx, "/v1/responses");
          const chatBody = search && ctx.provider.webSearch ? { ...translated!.chat, web_search_options: search } : translated!.chat;
          const built = await chat.request(chatBody, ctx);
          return { req: upstreamRequest(ctx, built.path, built.body, stream, built.headers), state: { native: false, inner: built.state } };
        },
      };
      if (translated?.dropped.length) call.record.dropped = translated.dropped;
      return req;
    },

    async respond(answer, call, r, headers) {
      const req = r as ResponsesRequest;
      const state = answer.state as { native: boolean; inner?: unknown };
      const keep = req.body.store !== false;
      if (call.record.dropped && answer.ctx.provider.webSearch) call.record.dropped = call.record.dropped.filter((d) => !/^tools:web_search/.test(d));
      if (call.record.dropped?.length) headers["x-strait-dropped"] = call.record.dropped.join(", ").slice(0, MAX_DROPPED_HEADER);
      if (state.native) {
        if (call.record.stream) return nativeStream(gw, answer, call, req, keep, Object.assign(headers, SSE_HEADERS));
        const json = await readJson(answer);
        if (json?.object !== "response") throw notAnAnswer(answer.ctx, "/v1/responses");
        await guardAnswer(gw, call, "responses", json, usageOf(json), headers);
        call.finish({ usage: usageOf(json) });
        if (keep) keepResponse(gw, req.tenant, json, req.items, call.record.requestId);
        return wholeResponse(JSON.stringify(json), 200, Object.assign(headers, JSON_HEADERS));
      }

      const chat = chatAdapter(answer.ctx, "/v1/responses");
      const context = { id: req.id, createdAt: req.createdAt, request: req.body, namespaces: req.namespaces };
      if (call.record.stream) {
        const out = new ChatToResponsesStream(context);
        const writer: StreamWriter = {
          write: (parts) => parts.map((p) => out.push(p.chunk)).join(""),
          end: () => out.end(),
          fail: (error) => out.error(error),
        };
        const source = clientStream(
          { ...answer, state: state.inner },
          chat.stream,
          (t) => call.scrub(t),
          (end) => {
            call.finish({ usage: end.usage, error: end.error?.message, errorCode: end.error?.code ?? undefined, status: end.cancelled ? 499 : 200 });
            if (keep && !end.error && !end.cancelled) keepResponse(gw, req.tenant, out.response(), req.items, call.record.requestId);
          },
          writer,
          chunkGuard(gw, call),
        );
        return sseAnswer(source, headers);
      }
      let json = await readJson(answer);
      if (!chat.isAnswer(json)) throw notAnAnswer(answer.ctx, "/v1/responses");
      if (chat.response) json = chat.response(json, answer.ctx, state.inner);
      const completion = json as ChatCompletion;
      await guardAnswer(gw, call, "chat", completion, completion.usage, headers);
      const response = chatToResponse(completion, context);
      call.finish({ usage: completion.usage });
      if (keep) keepResponse(gw, req.tenant, response, req.items, call.record.requestId);
      return wholeResponse(JSON.stringify(response), 200, Object.assign(headers, JSON_HEADERS));
    },
  };
}

/** The Responses API's hosted web search tools. */
const WEB_SEARCH = new Set(["web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11"]);

/** A web search tool of the request as chat's web_search_options (its approximate location kept). */
function webSearchOptions(body: Body): Record<string, unknown> | undefined {
  const tool = Array.isArray(body.tools) ? (body.tools as Array<Record<string, unknown>>).find((t) => typeof t?.type === "string" && WEB_SEARCH.has(t.type)) : undefined;
  if (!tool) return undefined;
  const where = tool.user_location as Record<string, unknown> | undefined;
  if (!where || typeof where !== "object") return {};
  const { type: _type, ...approximate } = where;
  return { user_location: { type: "approximate", approximate } };
}

/** A native stream passed on as it came; the final response (in `response.completed`) is kept. */
function nativeStream(gw: Gateway, answer: Answer, call: Call, req: ResponsesRequest, keep: boolean, headers: Record<string, string>): StreamedParts {
  let completed: Record<string, unknown> | undefined;
  const guard = eventGuard(gw, call, "responses") as ResponsesEventGuard | undefined;
  return relayNativeSSE(
    answer,
    call,
    {
      saw(ev) {
        if (ev.event === "response.completed" || ev.event === "response.incomplete") completed = (JSON.parse(ev.data) as { response?: Record<string, unknown> }).response;
      },
      ended() {
        if (!completed) throw upstreamError(502, `Provider "${answer.ctx.providerName}" ended the stream before response.completed.`, "upstream_stream_error");
      },
      errorEvent: (error) => `event: error\ndata: ${JSON.stringify({ type: "error", code: error.code, message: error.message, param: null })}\n\n`,
      completed() {
        // Kept as the client saw it: with a guardrail's redactions.
        const seen = guard?.completed ?? completed;
        if (keep && seen) keepResponse(gw, req.tenant, seen, req.items, call.record.requestId);
      },
    },
    headers,
    guard,
  );
}
