import * as v from "valibot";
import { SSE_HEADERS, sseAnswer, wholeResponse } from "../response-parts.js";
import { badRequest, } from "../errors.js";
import { anthropicErrorBody } from "../formats/anthropic/errors.js";
import { chatToMessage } from "../formats/anthropic/from-chat.js";
import { ChatToMessagesStream } from "../formats/anthropic/chat-stream.js";
import { messagesToChat } from "../formats/anthropic/to-chat.js";
import { withCacheBreakpoints } from "../formats/anthropic/cache-breakpoints.js";
import { withoutUnsignedThinking } from "../formats/anthropic/unsigned-thinking.js";
import { editedText, isJsonObject } from "../formats/json-text.js";
import type { Gateway } from "../gateway.js";
import { chatAdapter, notAnAnswer, readJson, upstreamRequest } from "./chat-target.js";
import { jsonMaterial } from "../lifecycle/cache.js";
import { clientStream, type StreamWriter } from "../lifecycle/chat-stream.js";
import { resolveTargets } from "../lifecycle/route.js";
import type { ApiRoute, RouteRequest } from "../lifecycle/stages.js";
import { parseJson, validate } from "../lifecycle/validate.js";
import type { MessagesAdapter } from "../providers/types.js";
import type { ChatCompletion, ChatRequest } from "../types.js";
import { invokeModelHeaderUsage, usageOf } from "../usage/normalize.js";
import { nativeMessagesStream } from "./messages-native-stream.js";
import { guardAnswer } from "../guardrails/answer.js";
import { chunkGuard, eventGuard } from "../guardrails/stream-guards.js";
import { promptCachingAuto, refuseDroppedTools } from "./translation-settings.js";

/**
 * Anthropic's Messages API: POST /v1/messages, for Claude Code and Anthropic's SDKs. To a target
 * that speaks it natively (Anthropic; Claude on Bedrock) the body goes through as sent and the
 * answer comes back as the provider gave it; to any other the body is translated to chat
 * completions for the provider's adapter and the answer translated back, streams event by event.
 * Errors are Anthropic's shape on this route (app.ts picks the renderer by path).
 */

const JSON_HEADERS = { "content-type": "application/json" };

/** What every target needs; the rest is the provider's (native) or the translator's (translated) to check. */
const MessagesSchema = v.looseObject({
  model: v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(256, "is longer than 256 characters")),
  messages: v.array(v.unknown(), "must be an array of messages"),
  stream: v.optional(v.nullable(v.boolean())),
});

interface CallState {
  native: boolean;
  /** The provider's own request state, for its response mapper. */
  inner?: unknown;
}

type MessagesRequest = RouteRequest & { requestedModel: string };

export function messagesRoute(gw: Gateway): ApiRoute {
  return {
    endpoint: "messages",
    async read(request, call) {
      const text = await request.text();
      const body = validate(MessagesSchema, parseJson(text)) as Record<string, unknown> & { model: string; stream?: boolean | null };
      // The body's text as it came, edited rather than serialised anew for a native upstream; dropped once a guardrail rewrites the body.
      let raw: string | undefined = text;
      call.model = body.model;
      const stream = body.stream === true;
      const targets = resolveTargets(gw, body.model, request.headers);
      const translating = targets.some((t) => !nativeAdapter(t.route.provider, t.model));
      const caching = promptCachingAuto(gw, call, body.model);
      // Translated once, when some target needs it: its 400s come before any upstream call. Again if a guardrail rewrote the body.
      let translated: ReturnType<typeof messagesToChat> | undefined;
      let nativeBody: Record<string, unknown>;
      const derive = () => {
        translated = translating ? messagesToChat(body) : undefined;
        const signed = withoutUnsignedThinking(body);
        nativeBody = caching ? withCacheBreakpoints(signed) : signed;
      };
      derive();
      if (translated) refuseDroppedTools(gw, call, body.model, translated.dropped.flatMap((d) => /^tools\[([^\]]+)\]$/.exec(d)?.[1] ?? []));
      const req: MessagesRequest = {
        model: body.model,
        requestedModel: body.model,
        targets,
        stream,
        // The usage chunk reaches the writer, which reports it in message_delta.
        clientWantsUsage: true,
        cacheMaterial: jsonMaterial(body),
        prompt: {
          format: "anthropic",
          body,
          changed: () => {
            raw = undefined;
            derive();
          },
        },
        async build(ctx) {
          const native = nativeAdapter(ctx.provider, ctx.model);
          if (native) {
            const built = native.request(nativeBody, ctx);
            const sent = raw !== undefined && isJsonObject(built.body) ? editedText(raw, body, built.body) : built.body;
            return { req: upstreamRequest(ctx, built.path, sent, stream, built.headers), state: { native: true } satisfies CallState };
          }
          const chat = chatAdapter(ctx, "/v1/messages");
          if (stream && !chat.stream) throw badRequest(`Provider "${ctx.providerName}" does not stream.`, "stream", "unsupported_endpoint");
          // An OpenAI-shaped provider takes the body as it is: Anthropic's cache_control on a part would be refused there.
          const built = await chat.request(chat.response === null ? withoutCacheControl(translated!.chat) : translated!.chat, ctx);
          return { req: upstreamRequest(ctx, built.path, built.body, stream, built.headers, built.method), state: { native: false, inner: built.state } satisfies CallState };
        },
      };
      if (translated?.dropped.length) call.record.dropped = translated.dropped;
      return req;
    },

    async respond(answer, call, req, headers) {
      const state = answer.state as CallState;
      const model = (req as MessagesRequest).requestedModel;
      if (state.native) {
        if (call.record.stream) return nativeMessagesStream(answer, nativeAdapter(answer.ctx.provider, answer.ctx.model)!.framing, call, Object.assign(headers, SSE_HEADERS), eventGuard(gw, call, "messages"));
        const json = await readJson(answer);
        if (json?.type !== "message" || !Array.isArray(json.content)) throw notAnAnswer(answer.ctx, "/v1/messages");
        const usage = usageOf(json) ?? invokeModelHeaderUsage(answer.res.headers);
        await guardAnswer(gw, call, "anthropic", json, usage, headers);
        call.finish({ usage });
        return wholeResponse(JSON.stringify(json), 200, Object.assign(headers, JSON_HEADERS));
      }

      const chat = chatAdapter(answer.ctx, "/v1/messages");
      const inner = { ...answer, state: state.inner };
      if (call.record.stream) {
        const source = clientStream(
          inner,
          chat.stream,
          (t) => call.scrub(t),
          (end) => call.finish({ usage: end.usage, error: end.error?.message, errorCode: end.error?.code ?? undefined, status: end.cancelled ? 499 : 200 }),
          anthropicWriter(model),
          chunkGuard(gw, call),
        );
        return sseAnswer(source, headers);
      }
      let json = await readJson(answer);
      if (!chat.isAnswer(json)) throw notAnAnswer(answer.ctx, "/v1/messages");
      if (chat.response) json = chat.response(json, answer.ctx, state.inner);
      const completion = json as ChatCompletion;
      await guardAnswer(gw, call, "chat", completion, completion.usage, headers);
      call.finish({ usage: completion.usage });
      return wholeResponse(JSON.stringify(chatToMessage(completion, model)), 200, Object.assign(headers, JSON_HEADERS));
    },

    upstreamError(e, call, headers) {
      const { status, text } = e.upstream;
      // Anthropic's own error body (native calls) goes back as it came, scrubbed; anything else in its shape.
      if (text.includes('"type":"error"')) {
        try {
          if (JSON.parse(text)?.type === "error") return wholeResponse(text, status, { ...headers, ...JSON_HEADERS });
        } catch {
          // not JSON: the gateway's own error below
        }
      }
      return wholeResponse(JSON.stringify(anthropicErrorBody(call.scrubbed(e))), e.status, { ...e.headers, ...headers, ...JSON_HEADERS });
    },
  };
}

/** Anthropic's events for a translated stream, from the provider's chunks. */
function anthropicWriter(model: string): StreamWriter {
  const out = new ChatToMessagesStream(model);
  return {
    write(parts) {
      let text = "";
      for (const part of parts) text += out.push(part.chunk);
      return text;
    },
    end: () => out.end(),
    fail: (error) => out.error(error),
  };
}

function withoutCacheControl(chat: ChatRequest): ChatRequest {
  const messages = chat.messages.map((m) =>
    Array.isArray(m.content) ? { ...m, content: m.content.map((p: Record<string, unknown>) => (p && typeof p === "object" && "cache_control" in p ? (({ cache_control: _, ...rest }) => rest)(p) : p)) } : m,
  );
  return { ...chat, messages };
}

function nativeAdapter(provider: { messages?: MessagesAdapter }, model: string): MessagesAdapter | undefined {
  const adapter = provider.messages;
  return adapter && (adapter.accepts?.(model) ?? true) ? adapter : undefined;
}
