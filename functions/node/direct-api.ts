import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { answerCall, apiRoutes } from "../../core/api-routes.js";
import type { Cancel } from "../../core/cancel.js";
import { errorAnswer } from "../../core/error-answer.js";
import { GatewayError, tooLarge } from "../../core/errors.js";
import type { Gateway } from "../../core/gateway.js";
import { ulid } from "../../core/ids.js";
import type { ApiRequest } from "../../core/lifecycle/api-request.js";
import { corsPolicy } from "../../core/lifecycle/cors.js";
import type { ApiRoute } from "../../core/lifecycle/stages.js";
import { writeAnswer } from "./answer-writer.js";
import { watchClient } from "./client-watch.js";
import { NodeRequestHeaders } from "./request-headers.js";

const decoder = new TextDecoder();

/**
 * The API routes at fixed paths (`POST /v1/chat/completions` and the rest: core/api-routes.ts)
 * served straight from node:http, every other request passed to `fallback` (the Hono app). Hono's
 * router, context and middleware chain, and @hono/node-server's Request and header objects, cost
 * about 60 µs of CPU a call (a tenth of a keyed one); here the core gets plain values
 * (lifecycle/api-request.ts) and its answer is written from its parts. What the app's middleware
 * does for these paths is done here the same way: the request id, CORS headers for an allowed
 * origin, the body size limit, the error in the route's own shape. Only an exact path matches, so
 * anything unusual (a query aside) takes the app's way.
 */
export function directApi(gw: Gateway, fallback: RequestListener): RequestListener {
  const routes = apiRoutes(gw);
  const cors = corsPolicy(gw.config.cors.origins);
  const maxBytes = gw.config.maxBodyBytes;

  return (incoming, outgoing) => {
    const url = incoming.url ?? "";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const route = incoming.method === "POST" ? routes.get(path) : undefined;
    if (!route) return fallback(incoming, outgoing);
    const headers = new NodeRequestHeaders(incoming.headers, incoming.rawHeaders);
    const request = apiRequest(incoming, outgoing, path, q < 0 ? "" : url.slice(q), headers, cors.answerHeaders(headers.get("origin")), maxBytes);
    // With a Content-Length the limit is one header read, before anything else runs (as the app's bodyGuard).
    const length = headers.get("content-length");
    void serve(gw, route, request, outgoing, length !== null && Number(length) > maxBytes ? tooLarge(maxBytes) : undefined);
  };
}

async function serve(gw: Gateway, route: ApiRoute, request: ApiRequest, out: ServerResponse, refused: GatewayError | undefined): Promise<void> {
  try {
    const res = refused ? errorAnswer(gw.runtime.log, refused, request.path, { ...request.cors, "x-request-id": request.requestId }) : await answerCall(gw, route, request);
    // A body over the limit is not read to its end: the connection closes after the answer rather than drain it.
    if (res.status === 413) out.shouldKeepAlive = false;
    await writeAnswer(res, out);
  } catch (e) {
    gw.runtime.log.error("writing an answer failed", { requestId: request.requestId, error: String((e as Error)?.message ?? e) });
    out.destroy();
  }
}

function apiRequest(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  path: string,
  search: string,
  headers: NodeRequestHeaders,
  cors: Record<string, string> | undefined,
  maxBytes: number,
): ApiRequest {
  const now = Date.now();
  let body: Promise<Buffer> | undefined;
  let text: Promise<string> | undefined;
  let cancel: Cancel | undefined;
  return {
    requestId: ulid(now),
    startedAt: now,
    method: "POST",
    path,
    search,
    headers,
    cors,
    bytes: () => (body ??= readBody(incoming, maxBytes)),
    text: () => (text ??= (body ??= readBody(incoming, maxBytes)).then((b) => decoder.decode(b))),
    clientCancel: () => (cancel ??= watchClient({ incoming, outgoing })!),
  };
}

/** The whole request body, cut off with a 413 at `maxBytes` (a chunked body has no length to check first). */
function readBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const fail = (e: GatewayError) => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onError);
      reject(e);
    };
    const onData = (part: Buffer) => {
      size += part.length;
      if (size > maxBytes) return fail(tooLarge(maxBytes));
      parts.push(part);
    };
    const onEnd = () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    const onError = () => fail(new GatewayError(400, "The request body ended before it was complete.", "invalid_request_error", "incomplete_body"));
    incoming.on("data", onData).once("end", onEnd).once("error", onError).once("aborted", onError);
  });
}
