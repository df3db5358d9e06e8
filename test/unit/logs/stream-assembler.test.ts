import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { beforeAll, describe, expect, it } from "vitest";
import { loadEventStreamCodec } from "../../../core/formats/eventstream.js";
import { openAIStreamTranslator } from "../../../core/formats/openai-stream.js";
import { SSEDecoder } from "../../../core/formats/sse.js";
import { createAssembler, type StreamFormat } from "../../../core/logs/stream-assembler.js";
import { anthropicStreamTranslator } from "../../../core/providers/anthropic/stream.js";
import { encodeTranscript, type TranscriptFrame } from "../../fixtures/bedrock/generate.js";
import { fixtureBytes, fixtureTranscript } from "../../helpers/fixtures.js";
import { byteByByte, cutAt } from "../../helpers/splits.js";
import { ctx, responsesSSE } from "../formats/responses/stream-helpers.js";

beforeAll(loadEventStreamCodec);

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);
const byteLength = (text: string) => encoder.encode(text).length;
const BIG = 1 << 20;
const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

type Result = { body: string; truncated: boolean };

function assemble(format: StreamFormat, pieces: Uint8Array[], maxBytes = BIG): Result {
  const assembler = createAssembler(format, maxBytes);
  for (const piece of pieces) assembler.push(piece);
  return assembler.result();
}

/** The result for the bytes whole, asserted the same when they are cut in two at every offset, and one byte at a time. */
function everySplit(format: StreamFormat, bytes: Uint8Array, maxBytes = BIG): Result {
  const whole = assemble(format, [bytes], maxBytes);
  for (let k = 0; k <= bytes.length; k++) expect(assemble(format, cutAt(bytes, [k]), maxBytes), `split at byte ${k}`).toEqual(whole);
  expect(assemble(format, byteByByte(bytes), maxBytes)).toEqual(whole);
  return whole;
}

/** The assembled answer of a whole, untruncated stream. */
function answer(format: StreamFormat, bytes: Uint8Array): any {
  const result = everySplit(format, bytes);
  expect(result.truncated).toBe(false);
  return JSON.parse(result.body);
}

const transcript = (path: string) => new Uint8Array(fixtureTranscript(path).body);
const sse = (...events: unknown[]) => utf8(events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`).join(""));
const chatChunk = (choices: unknown[]) => ({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices });

/** A chat stream through the gateway's own Responses translation: the Responses SSE a client receives. */
const responsesFrom = (upstream: Uint8Array, translator = openAIStreamTranslator()) => utf8(responsesSSE(translator, ctx(), [upstream]).text);

const PARIS_TOKYO = [
  { id: "call_8Yb1pX2qH0cQ3fWm7Zk9sA1d", name: "get_weather", arguments: '{"city":"Paris"}' },
  { id: "call_Jt4nV6rE2yU8iO0pL3kS5dF7", name: "get_weather", arguments: '{"city":"Tokyo"}' },
];

describe("createAssembler: recorded streams, the same however their bytes are cut", () => {
  it("openai-chat: text", () => {
    expect(answer("openai-chat", fixtureBytes("openai/chat-stream.sse"))).toEqual({ text: "Hello! How can I help you today?" });
    expect(answer("openai-chat", fixtureBytes("azure/chat-stream.sse"))).toEqual({ text: "Hello from Azure!" });
  });

  it("openai-chat: parallel tool calls, arguments joined from their deltas", () => {
    expect(answer("openai-chat", fixtureBytes("openai/chat-tools-stream.sse"))).toEqual({ tool_calls: PARIS_TOKYO });
  });

  it("anthropic: multi-byte text", () => {
    expect(answer("anthropic", transcript("anthropic/stream-text.http"))).toEqual({ text: "Grüße aus 東京 🌸 — hello!" });
  });

  it("anthropic: thinking, text and tool use with input split across deltas", () => {
    expect(answer("anthropic", transcript("anthropic/stream-tools.http"))).toEqual({
      text: "Checking both cities.",
      reasoning: "The user wants weather for two cities. I can call get_weather twice in parallel.",
      tool_calls: [
        { id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", arguments: '{"location": "San Francisco, CA"}' },
        { id: "toolu_01CqQk4XWNXm2UyrPz2S7c5v", name: "get_weather", arguments: '{"location": "Paris, France"}' },
      ],
    });
  });

  it("anthropic: an error event mid-stream", () => {
    expect(answer("anthropic", transcript("anthropic/stream-overloaded.http"))).toEqual({ text: "Once upon", error: "overloaded_error: Overloaded" });
  });

  it("gemini: thought text as reasoning, then text", () => {
    expect(answer("gemini", transcript("gemini/stream-text.http"))).toEqual({
      text: "Hallo! Grüße aus 東京 🌸 — how can I help?",
      reasoning: "**Planning a greeting**\n\nThe user said hello; answer warmly.",
    });
  });

  it("gemini: whole function calls", () => {
    expect(answer("gemini", transcript("gemini/stream-tools.http"))).toEqual({
      text: "Checking both cities.",
      tool_calls: [
        { name: "get_weather", arguments: '{"location":"San Francisco, CA"}' },
        { name: "get_weather", arguments: '{"location":"Paris, France"}' },
      ],
    });
  });

  it("gemini: an error event mid-stream", () => {
    expect(answer("gemini", transcript("gemini/stream-error.http"))).toEqual({ text: "Once upon", error: "UNAVAILABLE: The model is overloaded. Please try again later." });
  });

  it("gemini: the same answer streamed as a JSON array (no alt=sse)", () => {
    const events = new SSEDecoder().pushText(new TextDecoder().decode(transcript("gemini/stream-text.http")));
    const array = utf8(`[${events.map((e) => JSON.stringify(JSON.parse(e.data), null, 2)).join("\n,\r\n")}]`);
    expect(answer("gemini", array)).toEqual(answer("gemini", transcript("gemini/stream-text.http")));
  });

  it("bedrock: ConverseStream reasoning, text and tool use", () => {
    expect(answer("bedrock", fixtureBytes("bedrock/stream-tool-use.bin"))).toEqual({
      text: "Checking both cities.",
      reasoning: "Two cities: call the tool twice.",
      tool_calls: [
        { id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name: "get_weather", arguments: '{"city": "Paris"}' },
        { id: "tooluse_2mY3QpLQS0ePDnzDqhJ1hA", name: "get_weather", arguments: '{"city": "Berlin"}' },
      ],
    });
    expect(answer("bedrock", fixtureBytes("bedrock/stream-text.bin"))).toEqual({ text: "Hello! The capital of France is Paris — Ünïcödé ✓." });
  });

  it("bedrock: InvokeModel's chunk events carry Anthropic's events", () => {
    expect(answer("bedrock", fixtureBytes("bedrock/invoke-stream-text.bin"))).toEqual({ text: "Grüße aus 東京 🌸 — hello!" });
  });

  it("bedrock: an exception frame mid-stream", () => {
    expect(answer("bedrock", fixtureBytes("bedrock/stream-throttled.bin"))).toEqual({
      text: "Once upon",
      error: "throttlingException: Too many tokens, please wait before trying again.",
    });
  });

  it("responses: the gateway's Responses stream of text, of tool calls, and of reasoning", () => {
    expect(answer("responses", responsesFrom(fixtureBytes("openai/chat-stream.sse")))).toEqual({ text: "Hello! How can I help you today?" });
    expect(answer("responses", responsesFrom(fixtureBytes("openai/chat-tools-stream.sse")))).toEqual({ tool_calls: PARIS_TOKYO });
    const claude = responsesFrom(transcript("anthropic/stream-tools.http"), anthropicStreamTranslator({ model: "claude" }));
    expect(answer("responses", claude)).toEqual(JSON.parse(assemble("anthropic", [transcript("anthropic/stream-tools.http")]).body));
  });

  it("responses: a stream cut before response.completed keeps what its deltas said", () => {
    const full = new TextDecoder().decode(responsesFrom(fixtureBytes("openai/chat-tools-stream.sse")));
    const cut = utf8(full.slice(0, full.indexOf("event: response.function_call_arguments.done")));
    expect(answer("responses", cut)).toEqual({ tool_calls: PARIS_TOKYO });
  });
});

describe("createAssembler: what the wire formats allow", () => {
  it("openai-chat: several choices, each with its text, reasoning and tool calls", () => {
    const stream = sse(
      chatChunk([
        { index: 0, delta: { role: "assistant", content: "" } },
        { index: 1, delta: { role: "assistant", content: "" } },
      ]),
      chatChunk([{ index: 1, delta: { reasoning_content: "think " } }]),
      chatChunk([{ index: 0, delta: { content: "A" } }]),
      chatChunk([{ index: 1, delta: { reasoning_content: "more", content: "B" } }]),
      chatChunk([{ index: 1, delta: { tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"x"' } }] } }]),
      chatChunk([{ index: 1, delta: { tool_calls: [{ index: 0, function: { arguments: ":1}" } }] } }]),
      chatChunk([{ index: 0, delta: { content: "a" }, finish_reason: "stop" }]),
      "[DONE]",
    );
    expect(answer("openai-chat", stream)).toEqual({
      choices: [{ text: "Aa" }, { text: "B", reasoning: "think more", tool_calls: [{ id: "call_1", name: "f", arguments: '{"x":1}' }] }],
    });
  });

  it("openai-chat: the `reasoning` field some providers send", () => {
    expect(answer("openai-chat", sse(chatChunk([{ index: 0, delta: { reasoning: "hmm" } }]), chatChunk([{ index: 0, delta: { content: "ok" } }])))).toEqual({ text: "ok", reasoning: "hmm" });
  });

  it("openai-chat: the gateway's error event ends the stream", () => {
    const stream = sse(chatChunk([{ index: 0, delta: { content: "Once" } }]), { error: { message: "The upstream connection failed mid-stream.", type: "upstream_error", code: "upstream_stream_error" } });
    expect(answer("openai-chat", stream)).toEqual({ text: "Once", error: "upstream_error: The upstream connection failed mid-stream." });
  });

  it("openai-completions: choices[].text, one or several", () => {
    const one = sse({ choices: [{ index: 0, text: "Hel" }] }, { choices: [{ index: 0, text: "lo" }] }, "[DONE]");
    expect(answer("openai-completions", one)).toEqual({ text: "Hello" });
    const two = sse({ choices: [{ index: 1, text: "B" }] }, { choices: [{ index: 0, text: "A" }] }, "[DONE]");
    expect(answer("openai-completions", two)).toEqual({ choices: [{ text: "A" }, { text: "B" }] });
  });

  it("gemini: several candidates", () => {
    const stream = sse({ candidates: [{ index: 0, content: { parts: [{ text: "A" }] } }, { index: 1, content: { parts: [{ text: "B" }] } }] });
    expect(answer("gemini", stream)).toEqual({ choices: [{ text: "A" }, { text: "B" }] });
  });

  it("anthropic: server tool use, its result left out", () => {
    const stream = sse(
      { type: "content_block_start", index: 0, content_block: { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '{"query":' } },
      { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: '"strait"}' } },
      { type: "content_block_start", index: 1, content_block: { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://x" }] } },
      { type: "content_block_start", index: 2, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "Found it." } },
    );
    expect(answer("anthropic", stream)).toEqual({ text: "Found it.", tool_calls: [{ id: "srvtoolu_1", name: "web_search", arguments: '{"query":"strait"}' }] });
  });

  it("responses: an item's done event and the final response replace what the deltas said", () => {
    const item = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const stream = utf8(
      item("response.output_item.added", { output_index: 0, item: { type: "reasoning", summary: [] } }) +
        item("response.reasoning_summary_text.delta", { output_index: 0, delta: "Plan" }) +
        item("response.output_item.added", { output_index: 1, item: { type: "function_call", call_id: "call_1", name: "f", arguments: "" } }) +
        item("response.function_call_arguments.delta", { output_index: 1, delta: '{"a"' }) +
        item("response.function_call_arguments.done", { output_index: 1, arguments: '{"a":1}' }) +
        item("response.output_text.delta", { output_index: 2, delta: "Hel" }) +
        item("response.output_item.done", { output_index: 2, item: { type: "message", content: [{ type: "output_text", text: "Hello" }] } }),
    );
    expect(answer("responses", stream)).toEqual({ text: "Hello", reasoning: "Plan", tool_calls: [{ id: "call_1", name: "f", arguments: '{"a":1}' }] });

    const output = [
      { type: "reasoning", summary: [{ type: "summary_text", text: "Planned" }] },
      { type: "web_search_call", id: "ws_1", action: { type: "search", query: "q" } },
      { type: "message", content: [{ type: "output_text", text: "Final" }] },
    ];
    const completed = new TextDecoder().decode(stream) + item("response.completed", { response: { status: "completed", output } });
    expect(answer("responses", utf8(completed))).toEqual({
      text: "Final",
      reasoning: "Planned",
      tool_calls: [{ id: "ws_1", name: "web_search_call", arguments: '{"type":"search","query":"q"}' }],
    });
  });

  it("responses: response.failed and the error event", () => {
    const failed = sse({ type: "response.output_text.delta", output_index: 0, delta: "Once" }, { type: "response.failed", response: { status: "failed", output: [], error: { code: "server_error", message: "Boom" } } });
    expect(answer("responses", failed)).toEqual({ text: "Once", error: "server_error: Boom" });
    const error = sse({ type: "response.output_text.delta", output_index: 0, delta: "Once" }, { type: "error", code: "rate_limit_exceeded", message: "Slow down" });
    expect(answer("responses", error)).toEqual({ text: "Once", error: "rate_limit_exceeded: Slow down" });
  });

  it("an empty stream is an empty answer", () => {
    expect(answer("openai-chat", sse("[DONE]"))).toEqual({});
    expect(assemble("anthropic", [])).toEqual({ body: "", truncated: false });
  });
});

describe("createAssembler: malformed input is skipped, never thrown", () => {
  it("a malformed event in the middle of an SSE stream", () => {
    const good = new TextDecoder().decode(fixtureBytes("openai/chat-stream.sse")).split("\n\n");
    const junk = ['data: {"choices":[{"index":0,"delta":{"content":"oops"', "data: not json", 'data: {"choices":"x"}', 'data: {"choices":[{"index":-1,"delta":{"content":5}}]}', "data: [1,2]", "event: only"];
    const stream = utf8([...good.slice(0, 3), ...junk, ...good.slice(3)].join("\n\n"));
    expect(answer("openai-chat", stream)).toEqual({ text: "Hello! How can I help you today?" });
  });

  it("a malformed frame in the middle of a Bedrock stream", () => {
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const str = (value: string) => ({ type: "string" as const, value });
    const notJson = codec.encode({ headers: { ":event-type": str("contentBlockDelta"), ":message-type": str("event") }, body: fromUtf8("{nope") });
    const badBase64 = codec.encode({ headers: { ":event-type": str("chunk"), ":message-type": str("event") }, body: fromUtf8('{"bytes":"%%%"}') });
    const frames = (list: TranscriptFrame[]) => encodeTranscript(list);
    const stream = new Uint8Array([
      ...frames([{ event: "contentBlockDelta", body: { contentBlockIndex: 0, delta: { text: "Hello" } } }]),
      ...notJson,
      ...badBase64,
      ...frames([{ event: "contentBlockDelta", body: { contentBlockIndex: 0, delta: { text: " there" } } }]),
    ]);
    expect(answer("bedrock", stream)).toEqual({ text: "Hello there" });
  });

  it("a corrupt Bedrock stream stops the reading: what came before is kept, marked truncated", () => {
    const good = fixtureBytes("bedrock/stream-text.bin");
    const frameEnd = (at: number) => at + new DataView(good.buffer, good.byteOffset + at).getUint32(0);
    const third = frameEnd(frameEnd(0));
    const corrupt = new Uint8Array([...good.subarray(0, third + 20), 0xff, 0xff, 0xff, 0xff, ...good.subarray(third + 20)]);
    expect(assemble("bedrock", cutAt(corrupt, [third]))).toEqual({ body: '{"text":"Hello"}', truncated: true });
  });

  it("a stream not in the expected format is logged as its raw text", () => {
    const page = "<html><body>502 Bad Gateway</body></html>";
    expect(everySplit("openai-chat", utf8(page))).toEqual({ body: page, truncated: false });
    expect(everySplit("bedrock", utf8('{"message":"The security token is invalid."}'))).toEqual({ body: '{"message":"The security token is invalid."}', truncated: false });
  });
});

describe("createAssembler: the cap", () => {
  const text = "Grüße aus 東京 🌸 — \"quoted\"\\ \n\u0001 \ud800 lone, and 😀 pairs.";
  const stream = sse(
    ...[...text].map((c) => chatChunk([{ index: 0, delta: { content: c } }])),
    chatChunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"q":"東京"}' } }] } }]),
  );
  const full = assemble("openai-chat", [stream]);

  it("at every cap: valid JSON within the cap, a prefix of the answer, no character cut", () => {
    const whole = JSON.parse(full.body);
    expect(whole.text).toBe(text);
    for (let cap = 2; cap <= byteLength(full.body) + 40; cap++) {
      const result = assemble("openai-chat", [stream], cap);
      expect(byteLength(result.body), `cap ${cap}`).toBeLessThanOrEqual(cap);
      const cut = JSON.parse(result.body);
      expect(text.startsWith(cut.text ?? ""), `cap ${cap}`).toBe(true);
      const kept = (cut.text ?? "").length;
      expect(isHigh(text.charCodeAt(kept - 1)) && isLow(text.charCodeAt(kept)), `cap ${cap}: half a surrogate pair`).toBe(false);
      const call = cut.tool_calls?.[0];
      if (call) expect('{"q":"東京"}'.startsWith(call.arguments), `cap ${cap}`).toBe(true);
      if (!result.truncated) expect(cut, `cap ${cap}`).toEqual(whole);
      // What is reserved for brackets and commas is small: an answer well within the cap is whole.
      if (cap >= byteLength(full.body) + 32) expect(result.truncated, `cap ${cap}`).toBe(false);
    }
  });

  it("a cap in the middle of a multi-byte character, the same for every split", () => {
    const bytes = transcript("anthropic/stream-text.http");
    // 27 bytes go to {"choices":[ ]}, the choice's braces and "text":"" with their commas.
    const expected: Record<number, string> = { 29: "Gr", 40: "Grüße aus ", 47: "Grüße aus 東京 ", 48: "Grüße aus 東京 " };
    for (const [cap, text] of Object.entries(expected)) {
      const result = everySplit("anthropic", bytes, Number(cap));
      expect(result).toEqual({ body: JSON.stringify({ text }), truncated: true });
    }
  });

  it("an error after the cap is not read: the answer stopped", () => {
    const result = assemble("anthropic", [transcript("anthropic/stream-overloaded.http")], 31);
    expect(result).toEqual({ body: '{"text":"Once"}', truncated: true });
  });

  it("a 100 MB stream costs nothing once the cap is reached", () => {
    const chunk = sse(...Array.from({ length: 600 }, () => chatChunk([{ index: 0, delta: { content: "token token token token token token token token " } }])));
    const assembler = createAssembler("openai-chat", 4096);
    const started = performance.now();
    for (let sent = 0; sent < 100 * 1024 * 1024; sent += chunk.length) assembler.push(chunk);
    const result = assembler.result();
    expect(result.truncated).toBe(true);
    expect(byteLength(result.body)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(result.body).text).toMatch(/^token token/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("one event that never ends is not held past the cap and its slack", () => {
    const assembler = createAssembler("openai-chat", 1000);
    assembler.push(sse(chatChunk([{ index: 0, delta: { content: "before" } }])));
    assembler.push(utf8('data: {"choices":[{"index":0,"delta":{"content":"'));
    const filler = utf8("a".repeat(64 * 1024));
    for (let i = 0; i < 40; i++) assembler.push(filler);
    expect(assembler.result()).toEqual({ body: '{"text":"before"}', truncated: true });
  });

  it("raw: the text as received, cut at a character boundary", () => {
    const raw = utf8("Grüße aus 東京 🌸!");
    for (let cap = 0; cap <= raw.length + 1; cap++) {
      const result = everySplit("raw", raw, cap);
      expect(byteLength(result.body), `cap ${cap}`).toBeLessThanOrEqual(cap);
      expect("Grüße aus 東京 🌸!".startsWith(result.body), `cap ${cap}`).toBe(true);
      expect(result.truncated, `cap ${cap}`).toBe(cap < raw.length);
    }
    expect(assemble("something-else" as StreamFormat, [utf8("plain")])).toEqual({ body: "plain", truncated: false });
  });
});
