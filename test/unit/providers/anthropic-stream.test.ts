import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { anthropicStreamTranslator } from "../../../core/providers/anthropic/stream.js";
import { fixtureTranscript } from "../../helpers/fixtures.js";
import { expectSameAtEverySplit, translateSSE } from "../../helpers/splits.js";

/** A recorded Anthropic stream through a fresh translator, the same output however its bytes are cut. */
const everySplit = (name: string) =>
  expectSameAtEverySplit(new Uint8Array(fixtureTranscript(`anthropic/${name}`).body), (pieces) => translateSSE(anthropicStreamTranslator({ model: "claude-sonnet-4-5" }), pieces));

const c = (id: string, model: string, delta: object, finish: string | null = null) => ({
  id, object: "chat.completion.chunk", created: 0, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
});

describe("Anthropic stream → OpenAI chunks", () => {
  it("text: role first, content deltas, finish, usage last (split anywhere, UTF-8 included)", () => {
    const { chunks, error } = everySplit("stream-text.http");
    expect(error).toBeUndefined();
    const id = "msg_01XFDUDYJgAACzvnptvVoYEL";
    const m = "claude-sonnet-4-5-20250929";
    expect(chunks).toEqual([
      c(id, m, { role: "assistant", content: "" }),
      c(id, m, { content: "Grüße aus 東京" }),
      c(id, m, { content: " 🌸 — hello!" }),
      c(id, m, {}, "stop"),
      { id, object: "chat.completion.chunk", created: 0, model: m, choices: [], usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } } },
    ]);
  });

  it("thinking, text and parallel tool calls indexed 0,1 (not Anthropic's block index 2,3)", () => {
    const { chunks, error } = everySplit("stream-tools.http");
    expect(error).toBeUndefined();
    const id = "msg_014p7gG3wDgGV9EUtLvnow3U";
    const m = "claude-sonnet-4-5-20250929";
    expect(chunks).toEqual([
      c(id, m, { role: "assistant", content: "" }),
      c(id, m, { reasoning_content: "The user wants weather for two cities." }),
      c(id, m, { reasoning_content: " I can call get_weather twice in parallel." }),
      c(id, m, { content: "Checking both cities." }),
      c(id, m, { tool_calls: [{ index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      c(id, m, { tool_calls: [{ index: 0, function: { arguments: '{"location": "San Fra' } }] }),
      c(id, m, { tool_calls: [{ index: 0, function: { arguments: 'ncisco, CA"}' } }] }),
      c(id, m, { tool_calls: [{ index: 1, id: "toolu_01CqQk4XWNXm2UyrPz2S7c5v", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      c(id, m, { tool_calls: [{ index: 1, function: { arguments: '{"location": "Paris, France"}' } }] }),
      c(id, m, {}, "tool_calls"),
      { id, object: "chat.completion.chunk", created: 0, model: m, choices: [], usage: { prompt_tokens: 2060, completion_tokens: 89, total_tokens: 2149, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 0 } } },
    ]);
  });

  it("an error event (overloaded_error) throws a GatewayError after the deltas already sent", () => {
    const { chunks, error } = everySplit("stream-overloaded.http");
    expect(chunks).toHaveLength(2);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error!.status).toBe(502);
    expect(error!.code).toBe("overloaded_error");
    expect(error!.message).toMatch(/Overloaded/);
  });

  it("a stream that ends before message_stop is an error, not a short answer", () => {
    const { chunks, error } = everySplit("stream-truncated.http");
    expect(chunks).toHaveLength(2);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error!.code).toBe("upstream_truncated");
  });

  it("the forced JSON tool streams as content and finishes with stop", () => {
    const t = anthropicStreamTranslator({ model: "claude" });
    const ev = (data: object) => t.push({ event: (data as any).type, data: JSON.stringify(data) });
    const out = [
      ...ev({ type: "message_start", message: { id: "msg_1", model: "claude", usage: { input_tokens: 5, output_tokens: 1 } } }),
      ...ev({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "strait_json_response", input: {} } }),
      ...ev({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"a":' } }),
      ...ev({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "1}" } }),
      ...ev({ type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 7 } }),
      ...ev({ type: "message_stop" }),
    ].map((p) => p.chunk);
    expect(out.map((x) => x.choices[0]?.delta.content ?? null)).toEqual(["", '{"a":', "1}", null, null]);
    expect(out[3]!.choices[0]!.finish_reason).toBe("stop");
    expect(out[4]!.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 7 });
    expect(t.end()).toEqual([]);
  });

  it("rejects an event that is not JSON", () => {
    const t = anthropicStreamTranslator({ model: "claude" });
    expect(() => t.push({ data: "{nope" })).toThrow(GatewayError);
  });
});
