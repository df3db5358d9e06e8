import { describe, expect, it } from "vitest";
import { upstreamError } from "../../../../core/errors.js";
import { openAIStreamTranslator } from "../../../../core/formats/openai-stream.js";
import { ChatToResponsesStream, chatToResponse, responsesToChat } from "../../../../core/formats/responses/index.js";
import { anthropicStreamTranslator } from "../../../../core/providers/anthropic/stream.js";
import type { ChatCompletion } from "../../../../core/types.js";
import { fixtureBytes, fixtureJson, fixtureTranscript } from "../../../helpers/fixtures.js";
import { ctx, responsesSSE, sdk } from "./stream-helpers.js";

const SSE = "text/event-stream";
const JSON_TYPE = "application/json";

/** What a client takes from a response: its text and its calls. */
const gist = (r: any) => ({
  status: r.status,
  output_text: r.output_text,
  calls: r.output.filter((o: any) => o.type === "function_call").map((o: any) => ({ name: o.name, namespace: o.namespace, call_id: o.call_id, arguments: o.arguments })),
  usage: r.usage,
});

async function bothWays(streamBytes: Uint8Array, completion: ChatCompletion, request: any, upstream = openAIStreamTranslator()) {
  const { namespaces } = responsesToChat(request);
  const context = ctx(request, namespaces);
  const sse = responsesSSE(upstream, context, [streamBytes]).text;
  const streamed = await sdk(sse, SSE).responses.stream(request).finalResponse();
  const created = await sdk(JSON.stringify(chatToResponse(completion, context)), JSON_TYPE).responses.create({ ...request, stream: false });
  return { streamed, created };
}

describe("the official openai SDK accepts what the gateway sends", () => {
  it("text: responses.stream().finalResponse() and responses.create() agree", async () => {
    const request = { model: "gpt-4o-mini", input: "Hi" };
    const { streamed, created } = await bothWays(fixtureBytes("openai/chat-stream.sse"), fixtureJson("openai/chat.json"), request);
    expect(gist(streamed)).toEqual(gist(created));
    expect(streamed.output_text).toBe("Hello! How can I help you today?");
    expect(created.usage?.total_tokens).toBe(29);
  });

  it("tool calls: the same calls both ways", async () => {
    const request = { model: "gpt-4o-mini", input: "Weather in Paris and Tokyo?", tools: [{ type: "function" as const, name: "get_weather", parameters: { type: "object" }, strict: false }] };
    const { streamed, created } = await bothWays(fixtureBytes("openai/chat-tools-stream.sse"), fixtureJson("openai/chat-tools.json"), request);
    expect(gist(streamed)).toEqual(gist(created));
    expect(gist(streamed).calls).toEqual([
      { name: "get_weather", namespace: undefined, call_id: "call_8Yb1pX2qH0cQ3fWm7Zk9sA1d", arguments: '{"city":"Paris"}' },
      { name: "get_weather", namespace: undefined, call_id: "call_Jt4nV6rE2yU8iO0pL3kS5dF7", arguments: '{"city":"Tokyo"}' },
    ]);
  });

  it("reasoning, text and calls from a recorded Anthropic stream; every event passes the SDK's accumulator", async () => {
    const request = { model: "claude-sonnet-4-5", input: "Weather?", tools: [{ type: "function" as const, name: "get_weather", parameters: null, strict: false }] };
    const sse = responsesSSE(anthropicStreamTranslator({ model: "claude" }), ctx(request), [new Uint8Array(fixtureTranscript("anthropic/stream-tools.http").body)]).text;
    const stream = sdk(sse, SSE).responses.stream(request);
    const seen: string[] = [];
    stream.on("event", (e) => seen.push(e.type));
    const final = await stream.finalResponse();
    expect(seen[0]).toBe("response.created");
    expect(seen.at(-1)).toBe("response.completed");
    expect(final.output_text).toBe("Checking both cities.");
    expect(final.output[0]).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: expect.stringContaining("two cities") }] });
    expect(final.output.filter((o) => o.type === "function_call")).toHaveLength(2);
  });

  it("a namespaced call comes back with its namespace, as Codex expects", async () => {
    const request = { model: "m", input: "x", tools: [{ type: "namespace", name: "crm", description: "CRM", tools: [{ type: "function", name: "find", parameters: null }] }] } as any;
    const { namespaces } = responsesToChat(request);
    const completion = {
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "crm__find", arguments: '{"q":"a"}' } }] }, finish_reason: "tool_calls" }],
    } as ChatCompletion;
    const created = await sdk(JSON.stringify(chatToResponse(completion, ctx(request, namespaces))), JSON_TYPE).responses.create(request);
    expect(created.output[0]).toMatchObject({ type: "function_call", name: "find", namespace: "crm", call_id: "call_1" });
  });

  it("response.failed: the SDK ends the stream with the failed response and its error", async () => {
    const s = new ChatToResponsesStream(ctx());
    const sse = s.push({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: "Part" }, finish_reason: null }] }) + s.error(upstreamError(502, "Upstream broke."));
    const final = await sdk(sse, SSE).responses.stream({ model: "m", input: "x" }).finalResponse();
    expect(final.status).toBe("failed");
    expect(final.error).toEqual({ code: "server_error", message: "Upstream broke." });
  });
});
