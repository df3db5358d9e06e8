import type { ServerResponse } from "node:http";
import { fixtureJson, fixtureText, sseEvents } from "./fixtures.js";
import { sendJson, sendStream, startMockUpstream, type MockUpstream, type RecordedRequest } from "./mock-upstream.js";

const headers = fixtureJson<{ json: Record<string, string>; sse: Record<string, string> }>("openai/headers.json");

/**
 * OpenAI's API as recorded: chat (plain and tools, streamed or not), legacy completions and
 * embeddings. The usage chunk is sent only when the request asked for it, as OpenAI does.
 */
export async function replayOpenAI(req: RecordedRequest, res: ServerResponse, opts: { delayMs?: number } = {}) {
  const body = req.body ? JSON.parse(req.body) : {};
  const path = req.url.split("?")[0];
  if (path === "/v1/embeddings") return sendJson(res, 200, fixtureJson("openai/embeddings.json"), headers.json);
  if (path === "/v1/completions") return sendJson(res, 200, fixtureJson("openai/completion.json"), headers.json);
  if (path !== "/v1/chat/completions") return sendJson(res, 404, { error: { message: `Unknown path ${path}`, type: "invalid_request_error", param: null, code: null } });
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  if (!body.stream) return sendJson(res, 200, fixtureJson(tools ? "openai/chat-tools.json" : "openai/chat.json"), headers.json);
  let events = sseEvents(fixtureText(tools ? "openai/chat-tools-stream.sse" : "openai/chat-stream.sse"));
  if (body.stream_options?.include_usage !== true) events = events.filter((e) => !e.includes('"choices":[]'));
  return sendStream(res, events, { headers: headers.sse, delayMs: opts.delayMs });
}

export const startOpenAIUpstream = (): Promise<MockUpstream> => startMockUpstream((req, res) => replayOpenAI(req, res));
