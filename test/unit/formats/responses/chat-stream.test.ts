import { describe, expect, it } from "vitest";
import { rateLimited, upstreamError } from "../../../../core/errors.js";
import { openAIStreamTranslator } from "../../../../core/formats/openai-stream.js";
import { ChatToResponsesStream, chatToResponse } from "../../../../core/formats/responses/index.js";
import { anthropicStreamTranslator } from "../../../../core/providers/anthropic/stream.js";
import type { ChatChunk } from "../../../../core/types.js";
import { fixtureBytes, fixtureJson, fixtureTranscript } from "../../../helpers/fixtures.js";
import { byteByByte, cutAt } from "../../../helpers/splits.js";
import { ctx, events, responsesSSE } from "./stream-helpers.js";

/** A fixture through the OpenAI-compatible translator and ours, the same text however its bytes are cut. */
function everySplit(bytes: Uint8Array, run: (pieces: Uint8Array[]) => string): string {
  const whole = run([bytes]);
  for (let k = 0; k <= bytes.length; k++) expect(run(cutAt(bytes, [k])), `split at byte ${k}`).toBe(whole);
  expect(run(byteByByte(bytes))).toBe(whole);
  return whole;
}

const openAI = (name: string, context = ctx()) => everySplit(fixtureBytes(`openai/${name}`), (pieces) => responsesSSE(openAIStreamTranslator(), context, pieces).text);

const chunk = (delta: object, finish: string | null = null, usage?: object): ChatChunk =>
  ({ id: "c", object: "chat.completion.chunk", created: 1, model: "up", choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) }) as ChatChunk;

const USAGE = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };

describe("ChatToResponsesStream", () => {
  it("text: the exact event sequence, sequence numbers 0…n, split anywhere", () => {
    const list = events(openAI("chat-stream.sse"));
    expect(list.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(list.map((e) => e.sequence_number)).toEqual(list.map((_, i) => i));
    expect(list[0].response).toMatchObject({ id: "resp_test123", status: "in_progress", output: [], usage: null, model: "gpt-4o-mini-2024-07-18" });
    expect(list[2]).toEqual({ type: "response.output_item.added", sequence_number: 2, output_index: 0, item: { id: "msg_test123_0", type: "message", status: "in_progress", content: [], role: "assistant" } });
    expect(list[3]).toEqual({
      type: "response.content_part.added",
      sequence_number: 3,
      item_id: "msg_test123_0",
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", annotations: [], logprobs: [], text: "" },
    });
    expect(list[4]).toEqual({ type: "response.output_text.delta", sequence_number: 4, item_id: "msg_test123_0", output_index: 0, content_index: 0, delta: "Hello", logprobs: [] });
    expect(list[8]).toMatchObject({ type: "response.output_text.done", text: "Hello! How can I help you today?", logprobs: [] });
    expect(list[10].item).toMatchObject({ status: "completed", content: [{ text: "Hello! How can I help you today?" }] });
    expect(list[11].response).toMatchObject({
      status: "completed",
      usage: { input_tokens: 19, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 29 },
    });
  });

  it("the final streamed response equals the non-streamed translation of the same answer", () => {
    const text = responsesSSE(openAIStreamTranslator(), ctx(), [fixtureBytes("openai/chat-stream.sse")]);
    expect(text.stream.response()).toEqual(chatToResponse(fixtureJson("openai/chat.json"), ctx()));
    const tools = responsesSSE(openAIStreamTranslator(), ctx(), [fixtureBytes("openai/chat-tools-stream.sse")]);
    expect(tools.stream.response()).toEqual(chatToResponse(fixtureJson("openai/chat-tools.json"), ctx()));
    expect(events(tools.text).at(-1).response).toEqual(tools.stream.response());
  });

  it("parallel tool calls: added with empty arguments, deltas, then done at the finish", () => {
    const list = events(openAI("chat-tools-stream.sse"));
    expect(list.map((e) => `${e.type}${e.output_index ?? ""}`)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added0",
      "response.function_call_arguments.delta0",
      "response.function_call_arguments.delta0",
      "response.output_item.added1",
      "response.function_call_arguments.delta1",
      "response.function_call_arguments.done0",
      "response.output_item.done0",
      "response.function_call_arguments.done1",
      "response.output_item.done1",
      "response.completed",
    ]);
    expect(list[2].item).toEqual({ id: "fc_test123_0", type: "function_call", status: "in_progress", arguments: "", call_id: "call_8Yb1pX2qH0cQ3fWm7Zk9sA1d", name: "get_weather" });
    expect(list[3]).toEqual({ type: "response.function_call_arguments.delta", sequence_number: 3, item_id: "fc_test123_0", output_index: 0, delta: '{"city":' });
    expect(list[7]).toEqual({ type: "response.function_call_arguments.done", sequence_number: 7, item_id: "fc_test123_0", output_index: 0, name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(list[10].item).toEqual({ id: "fc_test123_1", type: "function_call", status: "completed", arguments: '{"city":"Tokyo"}', call_id: "call_Jt4nV6rE2yU8iO0pL3kS5dF7", name: "get_weather" });
    expect(list[11].response.usage.total_tokens).toBe(127);
  });

  it("reasoning (a recorded Anthropic stream with thinking) streams as a reasoning summary, then text, then calls", () => {
    const bytes = new Uint8Array(fixtureTranscript("anthropic/stream-tools.http").body);
    const text = everySplit(bytes, (pieces) => responsesSSE(anthropicStreamTranslator({ model: "claude" }), ctx(), pieces).text);
    const list = events(text);
    expect(list.map((e) => e.type).slice(2, 9)).toEqual([
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
    ]);
    expect(list[2].item).toEqual({ id: "rs_test123_0", type: "reasoning", summary: [] });
    expect(list[3]).toMatchObject({ summary_index: 0, part: { type: "summary_text", text: "" } });
    expect(list[4]).toMatchObject({ item_id: "rs_test123_0", output_index: 0, summary_index: 0, delta: "The user wants weather for two cities." });
    const final = list.at(-1).response;
    expect(final.output.map((o: any) => o.type)).toEqual(["reasoning", "message", "function_call", "function_call"]);
    expect(final.output[0].summary[0].text).toBe("The user wants weather for two cities. I can call get_weather twice in parallel.");
    expect(final.usage).toEqual({ input_tokens: 2060, input_tokens_details: { cached_tokens: 2048 }, output_tokens: 89, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2149 });
  });

  it("finish_reason length ends with response.incomplete; the item cut short is incomplete", () => {
    const s = new ChatToResponsesStream(ctx());
    const text = s.push(chunk({ content: "Once upon" })) + s.push(chunk({}, "length")) + s.push(chunk({}, null, USAGE)) + s.end();
    const list = events(text);
    expect(list.find((e) => e.type === "response.output_item.done").item.status).toBe("incomplete");
    expect(list.at(-1)).toMatchObject({ type: "response.incomplete", response: { status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { total_tokens: 8 } } });
  });

  it("namespaced calls stream under their own name and namespace", () => {
    const s = new ChatToResponsesStream(ctx(undefined, { crm__find: { namespace: "crm", name: "find" } }));
    const text = s.push(chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "crm__find", arguments: "" } }] })) + s.push(chunk({}, "tool_calls")) + s.end();
    const list = events(text);
    expect(list[2].item).toMatchObject({ name: "find", namespace: "crm", call_id: "call_1" });
    expect(list.find((e) => e.type === "response.function_call_arguments.done")).toMatchObject({ name: "find", arguments: "" });
  });

  it("a text item closes before a call starts; text after calls opens a new item; nothing is lost", () => {
    const s = new ChatToResponsesStream(ctx());
    let text = s.push(chunk({ role: "assistant", content: "" }));
    text += s.push(chunk({ content: "A" }));
    text += s.push(chunk({ tool_calls: [{ index: 0, id: "c0", function: { name: "f", arguments: "{" } }] }));
    text += s.push(chunk({ tool_calls: [{ index: 1, id: "c1", function: { name: "g", arguments: "{" } }] }));
    text += s.push(chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] }));
    text += s.push(chunk({ content: "B" }));
    text += s.push(chunk({ tool_calls: [{ index: 1, function: { arguments: "}" } }] }));
    text += s.push(chunk({}, "tool_calls")) + s.push(chunk({ content: "ignored after the finish" })) + s.end();
    const final = events(text).at(-1).response;
    expect(final.output.map((o: any) => [o.type, o.arguments ?? o.content[0].text])).toEqual([
      ["message", "A"],
      ["function_call", "{}"],
      ["function_call", "{}"],
      ["message", "B"],
    ]);
    expect(s.end()).toBe("");
    expect(s.push(chunk({ content: "late" }))).toBe("");
  });

  it("an error mid-stream: response.failed with what Codex reads; open items incomplete", () => {
    const s = new ChatToResponsesStream(ctx());
    const before = s.push(chunk({ content: "Partial" }));
    const text = s.error(upstreamError(502, "The upstream stream ended before the answer was complete.", "upstream_truncated"));
    const failed = events(before + text).at(-1);
    expect(failed).toMatchObject({ type: "response.failed", response: { status: "failed", error: { code: "server_error", message: expect.stringMatching(/ended before/) } } });
    expect(failed.response.output[0]).toMatchObject({ status: "incomplete", content: [{ text: "Partial" }] });
    expect(s.response()).toEqual(failed.response);
    expect(s.end()).toBe("");
    expect(s.error(upstreamError(502, "again"))).toBe("");
  });

  it("an error before any chunk still starts the response; a rate limit tells Codex when to retry", () => {
    const s = new ChatToResponsesStream(ctx());
    const list = events(s.error(rateLimited("Rate limit reached for this key.", 7)));
    expect(list.map((e) => e.type)).toEqual(["response.created", "response.in_progress", "response.failed"]);
    expect(list[2].response.error).toEqual({ code: "rate_limit_exceeded", message: "Rate limit reached for this key. Please try again in 7s." });
    expect(list[2].response.model).toBe("gpt-4o-mini");
  });

  it("end() with no chunk at all: an empty completed response", () => {
    const list = events(new ChatToResponsesStream(ctx()).end());
    expect(list.map((e) => e.type)).toEqual(["response.created", "response.in_progress", "response.completed"]);
    expect(list[2].response).toMatchObject({ status: "completed", output: [], usage: null });
  });
});
