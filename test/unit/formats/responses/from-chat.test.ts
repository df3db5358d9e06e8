import { describe, expect, it } from "vitest";
import { chatToResponse, responsesUsageFromChat } from "../../../../core/formats/responses/index.js";
import type { ChatCompletion } from "../../../../core/types.js";
import { fixtureJson } from "../../../helpers/fixtures.js";
import { ctx } from "./stream-helpers.js";

const completion = (message: object, finish = "stop", extra: object = {}): ChatCompletion =>
  ({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "up-model", choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }], ...extra }) as ChatCompletion;

describe("chatToResponse", () => {
  it("a text answer: the Response object OpenAI sends, with the request's defaults echoed", () => {
    const r = chatToResponse(fixtureJson("openai/chat.json"), ctx());
    expect(r).toEqual({
      id: "resp_test123",
      object: "response",
      created_at: 1762732801,
      status: "completed",
      background: false,
      error: null,
      incomplete_details: null,
      instructions: null,
      max_output_tokens: null,
      max_tool_calls: null,
      model: "gpt-4o-mini-2024-07-18",
      output: [
        {
          id: "msg_test123_0",
          type: "message",
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text: "Hello! How can I help you today?", annotations: [], logprobs: [] }],
        },
      ],
      parallel_tool_calls: true,
      previous_response_id: null,
      prompt_cache_key: null,
      reasoning: { effort: null, summary: null },
      safety_identifier: null,
      service_tier: "default",
      store: true,
      temperature: 1,
      text: { format: { type: "text" }, verbosity: "medium" },
      tool_choice: "auto",
      tools: [],
      top_logprobs: 0,
      top_p: 1,
      truncation: "disabled",
      usage: { input_tokens: 19, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 29 },
      user: null,
      metadata: {},
    });
    expect(r).not.toHaveProperty("output_text");
  });

  it("echoes what the request set", () => {
    const request = {
      model: "m",
      input: "x",
      instructions: "Sys",
      max_output_tokens: 50,
      max_tool_calls: 2,
      parallel_tool_calls: false,
      previous_response_id: "resp_prev",
      prompt_cache_key: "k",
      reasoning: { effort: "low", summary: "auto" },
      safety_identifier: "s",
      store: false,
      temperature: 0.3,
      text: { format: { type: "json_object" }, verbosity: "low" },
      tool_choice: "required",
      tools: [{ type: "function", name: "f" }],
      top_p: 0.5,
      truncation: "auto",
      user: "u",
      metadata: { team: "a" },
    };
    const r = chatToResponse(completion({ content: "{}" }), ctx(request));
    const { model, input, ...echoed } = request;
    expect(r).toMatchObject({ ...echoed, model: "up-model", reasoning: { effort: "low", summary: "auto" } });
  });

  it("reasoning, text and tool calls become items in that order; namespaced names are split back", () => {
    const r = chatToResponse(
      completion(
        {
          content: "Checking.",
          reasoning_content: "Two cities.",
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_b", type: "function", function: { name: "mcp__github__get_issue", arguments: "{}" } },
            { id: "", type: "function", function: { name: "f", arguments: "{}" } },
          ],
        },
        "tool_calls",
      ),
      ctx(undefined, { mcp__github__get_issue: { namespace: "mcp__github__", name: "get_issue" } }),
    );
    expect(r.output).toEqual([
      { id: "rs_test123_0", type: "reasoning", summary: [{ type: "summary_text", text: "Two cities." }] },
      { id: "msg_test123_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Checking.", annotations: [], logprobs: [] }] },
      { id: "fc_test123_2", type: "function_call", status: "completed", arguments: '{"city":"Paris"}', call_id: "call_a", name: "get_weather" },
      { id: "fc_test123_3", type: "function_call", status: "completed", arguments: "{}", call_id: "call_b", name: "get_issue", namespace: "mcp__github__" },
      { id: "fc_test123_4", type: "function_call", status: "completed", arguments: "{}", call_id: "call_test123_4", name: "f" },
    ]);
    expect(r.status).toBe("completed");
  });

  it("finish_reason length: incomplete, max_output_tokens, the last item incomplete", () => {
    const r = chatToResponse(completion({ content: "Once upon a" }, "length"), ctx());
    expect(r).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [{ status: "incomplete" }] });
    expect(chatToResponse(completion({ content: "x" }, "content_filter"), ctx()).incomplete_details).toEqual({ reason: "content_filter" });
  });

  it("no usage → usage null; no model → the requested one; content parts and empty content", () => {
    const r = chatToResponse({ ...completion({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }), model: "" }, ctx());
    expect(r.usage).toBeNull();
    expect(r.model).toBe("gpt-4o-mini");
    expect((r.output[0] as any).content[0].text).toBe("ab");
    expect(chatToResponse(completion({ content: null }), ctx()).output).toEqual([]);
    expect(chatToResponse({ ...completion({}), choices: [] }, ctx()).output).toEqual([]);
  });
});

describe("responsesUsageFromChat", () => {
  it("cached and reasoning tokens carry over; totals are kept", () => {
    expect(
      responsesUsageFromChat({ prompt_tokens: 2060, completion_tokens: 89, total_tokens: 2149, prompt_tokens_details: { cached_tokens: 2048 }, completion_tokens_details: { reasoning_tokens: 40 } }),
    ).toEqual({ input_tokens: 2060, input_tokens_details: { cached_tokens: 2048 }, output_tokens: 89, output_tokens_details: { reasoning_tokens: 40 }, total_tokens: 2149 });
  });

  it("missing details are zero; a cache write shows; a missing total is the sum", () => {
    expect(responsesUsageFromChat({ prompt_tokens: 10, completion_tokens: 5 } as any)).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    });
    expect(responsesUsageFromChat({ prompt_tokens: 10, completion_tokens: 0, total_tokens: 10, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 7 } }).input_tokens_details).toEqual({
      cached_tokens: 0,
      cache_write_tokens: 7,
    });
    expect(responsesUsageFromChat({ prompt_tokens: 10, completion_tokens: 0, total_tokens: 10, prompt_tokens_details: { cache_write_tokens: 3 } }).input_tokens_details.cache_write_tokens).toBe(3);
  });
});
