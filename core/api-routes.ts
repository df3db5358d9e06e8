import type { Gateway } from "./gateway.js";
import { errorAnswer } from "./error-answer.js";
import type { ApiRequest } from "./lifecycle/api-request.js";
import { type ApiRoute, runCall } from "./lifecycle/stages.js";
import type { ApiAnswer } from "./response-parts.js";
import { countTokensRoute } from "./routes/count-tokens.js";
import { messagesRoute } from "./routes/messages.js";
import { openAIRoute } from "./routes/openai.js";
import { responsesRoute } from "./routes/responses.js";
import { universalRoute } from "./routes/universal.js";

const built = new WeakMap<Gateway, ReadonlyMap<string, ApiRoute>>();

/**
 * The API routes at fixed paths, each `POST <path>`: the Hono app serves them (app.ts), and the
 * Node adapter serves them straight from node:http (functions/node/direct-api.ts). One set per
 * gateway, shared by both. The pass-through routes (`/{provider}/*`) are the app's alone.
 */
export function apiRoutes(gw: Gateway): ReadonlyMap<string, ApiRoute> {
  let routes = built.get(gw);
  if (!routes) {
    routes = new Map<string, ApiRoute>([
      ["/v1/chat/completions", openAIRoute(gw, "chat")],
      ["/v1/completions", openAIRoute(gw, "completions")],
      ["/v1/embeddings", openAIRoute(gw, "embeddings")],
      ["/v1/messages", messagesRoute(gw)],
      ["/v1/messages/count_tokens", countTokensRoute(gw)],
      ["/v1/responses", responsesRoute(gw)],
      ["/", universalRoute(gw)],
    ]);
    built.set(gw, routes);
  }
  return routes;
}

/** One API call's answer, its failure included (in the route's own error shape, with the request id and CORS headers): never throws. */
export function answerCall(gw: Gateway, route: ApiRoute, request: ApiRequest): Promise<ApiAnswer> {
  return runCall(gw, request, route).catch((e) => errorAnswer(gw.runtime.log, e, request.path, { ...request.cors, "x-request-id": request.requestId }));
}
