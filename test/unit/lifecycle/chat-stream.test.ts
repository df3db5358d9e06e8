import { describe, expect, it, vi } from "vitest";
import { Cancel } from "../../../core/cancel.js";
import { openAIStreamTranslator } from "../../../core/formats/openai-stream.js";
import type { Answer } from "../../../core/upstream/attempt-loop.js";
import { clientStream, type StreamEnd } from "../../../core/lifecycle/chat-stream.js";
import type { UpstreamResponse } from "../../../core/http.js";
import { readableOf } from "../../../core/response-parts.js";
import type { ChatAdapter } from "../../../core/providers/types.js";
import { UpstreamBody } from "../../../core/upstream/body.js";

const enc = new TextEncoder();
const adapter = { stream: { framing: "sse", translator: openAIStreamTranslator } } as unknown as ChatAdapter;
const chunk = (content: string, finish: string | null = null) =>
  JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
const usage = JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });

function answerOf(pieces: string[], clientWantsUsage = false, fail?: Error) {
  const abort = vi.fn();
  const timer = { cancel: new Cancel(), settle: vi.fn(), release: vi.fn(), abort };
  const res = {
    chunks: async function* () {
      for (const p of pieces) yield enc.encode(p);
      if (fail) throw fail;
    },
  } as unknown as UpstreamResponse;
  const answer = { ctx: { clientWantsUsage }, res, timer, state: undefined, body: new UpstreamBody(res, timer, 60_000, "test") } as unknown as Answer;
  return { answer, abort };
}

const stream = (answer: Answer, onEnd: (e: StreamEnd) => void = () => {}) => readableOf(clientStream(answer, adapter.stream, (t) => t.replaceAll("s3cr3t-value", "[redacted]"), onEnd));

async function read(stream: ReadableStream<Uint8Array>) {
  return new Response(stream).text();
}

describe("clientStream", () => {
  it("drops the usage chunk the gateway asked for, keeps the usage for the log, and ends with [DONE]", async () => {
    const ends: StreamEnd[] = [];
    const { answer } = answerOf([`data: ${chunk("Hi", "stop")}\n\n`, `data: ${usage}\n\ndata: [DONE]\n\n`]);
    const text = await read(stream(answer, (e) => ends.push(e)));
    expect(text).toBe(`data: ${chunk("Hi", "stop")}\n\ndata: [DONE]\n\n`);
    expect(ends).toEqual([{ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }]);
  });

  it("passes the usage chunk to a client that asked for it", async () => {
    const { answer } = answerOf([`data: ${chunk("Hi", "stop")}\n\ndata: ${usage}\n\ndata: [DONE]\n\n`], true);
    expect(await read(stream(answer, () => {}))).toContain(usage);
  });

  it("delivers what came before an upstream error in the same read, then the error event, and no [DONE]", async () => {
    const ends: StreamEnd[] = [];
    const { answer, abort } = answerOf([`data: ${chunk("Once upon")}\n\ndata: {"error":{"message":"Overloaded"}}\n\n`]);
    const text = await read(stream(answer, (e) => ends.push(e)));
    expect(text.startsWith(`data: ${chunk("Once upon")}\n\ndata: {"error":{"message":"Overloaded"`)).toBe(true);
    expect(text).not.toContain("[DONE]");
    expect(abort).toHaveBeenCalled();
    expect(ends[0]!.error?.status).toBe(502);
  });

  it("passes plain deltas verbatim without reading them, and still finds usage and finish reasons written with spaces", async () => {
    const ends: StreamEnd[] = [];
    const tricky = chunk('the word "error": is just text');
    const spaced = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[], "usage": {"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}}';
    const finish = '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason": "stop"}]}';
    const { answer } = answerOf([`data: ${tricky}\n\ndata: ${finish}\n\ndata: ${spaced}\n\n`]);
    const text = await read(stream(answer, (e) => ends.push(e)));
    expect(text).toBe(`data: ${tricky}\n\ndata: ${finish}\n\ndata: [DONE]\n\n`);
    expect(ends[0]!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  });

  it("turns a connection reset into an error event", async () => {
    const { answer } = answerOf([`data: ${chunk("Hi")}\n\n`], false, new Error("other side closed"));
    const text = await read(stream(answer, () => {}));
    expect(text).toContain('"code":"upstream_stream_error"');
    expect(text).toContain("other side closed");
  });

  it("aborts the upstream when the client cancels", async () => {
    const ends: StreamEnd[] = [];
    const { answer, abort } = answerOf([`data: ${chunk("a")}\n\n`, `data: ${chunk("b")}\n\n`]);
    const reader = stream(answer, (e) => ends.push(e)).getReader();
    await reader.read();
    await reader.cancel();
    expect(abort).toHaveBeenCalled();
    expect(ends).toEqual([{ cancelled: true }]);
  });
});
