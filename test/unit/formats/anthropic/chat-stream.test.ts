import { describe, expect, it } from "vitest";
import { upstreamError } from "../../../../core/errors.js";
import { ChatToMessagesStream } from "../../../../core/formats/anthropic/chat-stream.js";
import { SSEDecoder } from "../../../../core/formats/sse.js";
import type { ChatChunk } from "../../../../core/types.js";
import { fixtureBytes } from "../../../helpers/fixtures.js";
import { byteByByte, cutAt } from "../../../helpers/splits.js";
import { accumulate, expectValidSequence, parseEvents } from "./anthropic-events.js";

/** OpenAI SSE bytes, in pieces, through the SSE decoder into a fresh translator: the Anthropic SSE text. */
function translate(pieces: Uint8Array[], model = "fast"): string {
  const decoder = new SSEDecoder();
  const t = new ChatToMessagesStream(model);
  let out = "";
  const take = (events: { data: string }[]) => {
    for (const ev of events) if (ev.data !== "[DONE]") out += t.push(JSON.parse(ev.data));
  };
  for (const p of pieces) take(decoder.push(p));
  take(decoder.flush());
  return out + t.end();
}

/** The translation of a recorded stream, asserted identical however its bytes are cut. */
function everySplit(name: string): string {
  const bytes = fixtureBytes(name);
  const whole = translate([bytes]);
  for (let k = 0; k <= bytes.length; k++) expect(translate(cutAt(bytes, [k])), `split at byte ${k}`).toBe(whole);
  expect(translate(byteByByte(bytes))).toBe(whole);
  return whole;
}

const chunk = (delta: object, finish: string | null = null, extra: object = {}): ChatChunk => ({
  id: "chatcmpl-x1",
  object: "chat.completion.chunk",
  created: 0,
  model: "up",
  choices: [{ index: 0, delta, finish_reason: finish, ...extra } as any],
});
const usageChunk = (usage: object): ChatChunk => ({ id: "chatcmpl-x1", object: "chat.completion.chunk", created: 0, model: "up", choices: [], usage: usage as any });
const run = (chunks: ChatChunk[], t = new ChatToMessagesStream("m")) => chunks.map((c) => t.push(c)).join("") + t.end();

describe("ChatToMessagesStream: recorded OpenAI streams, split at every byte", () => {
  it("text", () => {
    const events = parseEvents(everySplit("openai/chat-stream.sse"));
    expectValidSequence(events);
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      ...Array(4).fill("content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]!.message).toMatchObject({ id: "msg_CZk1YQ2cA3o8dYt5WmLbK1nP0sFqE", model: "fast" });
    const m = accumulate(events);
    expect(m.content).toEqual([{ type: "text", text: "Hello! How can I help you today?" }]);
    expect(m).toMatchObject({ stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 19, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } });
  });

  it("two tool calls, each its own tool_use block", () => {
    const events = parseEvents(everySplit("openai/chat-tools-stream.sse"));
    expectValidSequence(events);
    const m = accumulate(events);
    expect(m.content).toEqual([
      { type: "tool_use", id: "call_8Yb1pX2qH0cQ3fWm7Zk9sA1d", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_Jt4nV6rE2yU8iO0pL3kS5dF7", name: "get_weather", input: { city: "Tokyo" } },
    ]);
    expect(m).toMatchObject({ stop_reason: "tool_use", usage: { input_tokens: 81, output_tokens: 46 } });
  });
});

describe("ChatToMessagesStream: sequences", () => {
  it("thinking, text and tools interleave into consecutive blocks", () => {
    const events = parseEvents(
      run([
        chunk({ role: "assistant", content: "" }),
        chunk({ reasoning_content: "Two cities" }),
        chunk({ reasoning_content: ", two calls." }),
        chunk({ content: "Checking " }),
        chunk({ content: "both." }),
        chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "w", arguments: '{"c":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"P"}' } }] }),
        chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "w", arguments: '{"c":"T"}' } }] }),
        chunk({}, "tool_calls"),
        usageChunk({ prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, prompt_tokens_details: { cached_tokens: 60 } }),
      ]),
    );
    expectValidSequence(events);
    expect(accumulate(events)).toMatchObject({
      content: [
        { type: "thinking", thinking: "Two cities, two calls.", signature: "" },
        { type: "text", text: "Checking both." },
        { type: "tool_use", id: "call_a", name: "w", input: { c: "P" } },
        { type: "tool_use", id: "call_b", name: "w", input: { c: "T" } },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 40, cache_read_input_tokens: 60, cache_creation_input_tokens: 0, output_tokens: 20 },
    });
  });

  it("text after a tool call opens a new block", () => {
    const events = parseEvents(
      run([chunk({ tool_calls: [{ index: 0, id: "c1", function: { name: "f", arguments: "{}" } }] }), chunk({ content: "done" }), chunk({}, "stop")]),
    );
    expectValidSequence(events);
    expect(accumulate(events).content).toEqual([
      { type: "tool_use", id: "c1", name: "f", input: {} },
      { type: "text", text: "done" },
    ]);
  });

  it("usage before finish_reason, or on the finish chunk, or never", () => {
    const u = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 };
    const before = parseEvents(run([chunk({ content: "a" }), usageChunk(u), chunk({}, "stop")]));
    const same = parseEvents(run([chunk({ content: "a" }), { ...chunk({}, "length"), usage: u as any }]));
    const never = parseEvents(run([chunk({ content: "a" }), chunk({}, "stop")]));
    for (const ev of [before, same, never]) expectValidSequence(ev);
    expect(accumulate(before)).toMatchObject({ stop_reason: "end_turn", usage: { input_tokens: 7, output_tokens: 3 } });
    expect(accumulate(same)).toMatchObject({ stop_reason: "max_tokens", usage: { input_tokens: 7, output_tokens: 3 } });
    expect(never.at(-2)).toEqual({ type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 0 } });
  });

  it("the last usage wins when an upstream sends it on every chunk", () => {
    const events = parseEvents(
      run([
        { ...chunk({ content: "a" }), usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } },
        chunk({}, "stop"),
        usageChunk({ prompt_tokens: 5, completion_tokens: 9, total_tokens: 14 }),
      ]),
    );
    expect(accumulate(events).usage).toMatchObject({ input_tokens: 5, output_tokens: 9 });
  });

  it("message_delta carries stop_sequence, refusal, and the estimate goes in message_start", () => {
    const t = new ChatToMessagesStream("m", "msg_fixed", 1234);
    const events = parseEvents(run([chunk({ content: "a" }), chunk({}, "stop", { stop_reason: "END" })], t));
    expect(events[0]!.message).toMatchObject({ id: "msg_fixed", usage: { input_tokens: 1234, output_tokens: 0 } });
    expect(accumulate(events)).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "END" });
    const refused = parseEvents(run([chunk({ refusal: "No." }), chunk({}, "stop")]));
    expect(accumulate(refused)).toMatchObject({ content: [{ type: "text", text: "No." }], stop_reason: "refusal" });
  });

  it("arguments that come before the name are held; a tool call whose name never comes still gets a block", () => {
    const events = parseEvents(
      run([
        chunk({ tool_calls: [{ index: 0, id: "c1", function: { arguments: '{"a"' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { name: "f", arguments: ":1}" } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: "{}" } }] }),
        chunk({}, "tool_calls"),
      ]),
    );
    expectValidSequence(events);
    expect(accumulate(events).content).toEqual([
      { type: "tool_use", id: "c1", name: "f", input: { a: 1 } },
      { type: "tool_use", id: "toolu_x1_1", name: "", input: {} },
    ]);
  });

  it("an upstream that interleaves two tool calls' arguments fails loudly", () => {
    const t = new ChatToMessagesStream("m");
    t.push(chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: "{" } }] }));
    t.push(chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "g", arguments: "{" } }] }));
    expect(() => t.push(chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] }))).toThrow(/one block at a time/);
  });

  it("chunks after finish and after end are ignored; end with no chunks is still a whole message", () => {
    const t = new ChatToMessagesStream("m", "msg_1");
    const text = run([chunk({ content: "a" }), chunk({}, "stop"), chunk({ content: "late" })], t);
    expect(accumulate(parseEvents(text)).content).toEqual([{ type: "text", text: "a" }]);
    expect(t.push(chunk({ content: "more" }))).toBe("");
    expect(t.end()).toBe("");
    const empty = parseEvents(new ChatToMessagesStream("m", "msg_2").end());
    expectValidSequence(empty);
    expect(empty.map((e) => e.type)).toEqual(["message_start", "message_delta", "message_stop"]);
  });

  it("a choice without an index counts as the first; other choices are ignored", () => {
    const noIndex = { ...chunk({ content: "a" }), choices: [{ delta: { content: "a" }, finish_reason: null }] } as unknown as ChatChunk;
    const second = { ...chunk({}), choices: [{ index: 1, delta: { content: "other" }, finish_reason: null }] } as ChatChunk;
    expect(accumulate(parseEvents(run([noIndex, second, chunk({}, "stop")]))).content).toEqual([{ type: "text", text: "a" }]);
  });

  it("the sequence validator itself rejects broken sequences", () => {
    const ok = parseEvents(run([chunk({ content: "a" }), chunk({}, "stop")]));
    expectValidSequence(ok);
    const broken = [
      ok.slice(1),
      ok.filter((e) => e.type !== "content_block_stop"),
      ok.filter((e) => e.type !== "message_stop"),
      ok.filter((e) => e.type !== "message_delta"),
      ok.map((e) => (e.type === "content_block_delta" ? { ...e, index: 3 } : e)),
      ok.map((e) => (e.type === "content_block_start" ? { ...e, index: 1 } : e)),
      [...ok.slice(0, -2), ok.at(-1)!, ok.at(-2)!],
    ];
    for (const events of broken) expect(() => expectValidSequence(events)).toThrow();
  });

  it("error() is Anthropic's error event, and ends the stream", () => {
    const t = new ChatToMessagesStream("m");
    const start = t.push(chunk({ content: "partial" }));
    const err = t.error(upstreamError(502, "The upstream stream ended before the answer was complete.", "upstream_truncated"));
    expect(err).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The upstream stream ended before the answer was complete."}}\n\n');
    const events = parseEvents(start + err);
    expectValidSequence(events);
    expect(t.end()).toBe("");
    expect(t.push(chunk({ content: "x" }))).toBe("");
    expect(new ChatToMessagesStream("m").error(upstreamError(503, "busy"))).toContain('"overloaded_error"');
  });
});
