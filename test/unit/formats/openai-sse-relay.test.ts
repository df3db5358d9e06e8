/**
 * Plain deltas relayed as the upstream's bytes (core/formats/openai-sse-relay.ts): whatever the
 * reads, the client gets exactly what the decoder-and-translator path sends, and the same usage,
 * finish and errors reach the log.
 */
import { describe, expect, it, vi } from "vitest";
import { Cancel } from "../../../core/cancel.js";
import type { UpstreamResponse } from "../../../core/http.js";
import { clientStream, openAIWriter, type StreamEnd } from "../../../core/lifecycle/chat-stream.js";
import { openAIStreamTranslator } from "../../../core/formats/openai-stream.js";
import type { BodySource } from "../../../core/response-parts.js";
import type { Answer } from "../../../core/upstream/attempt-loop.js";
import { UpstreamBody } from "../../../core/upstream/body.js";
import { cutAt } from "../../helpers/splits.js";

const enc = new TextEncoder();
const adapter = { framing: "sse" as const, translator: openAIStreamTranslator };
const delta = (content: string, finish: string | null = null) =>
  JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
const usage = JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
const data = (payload: string) => `data: ${payload}\n\n`;

/** Upstream streams, each a list of events (as sent) so reads can be cut at event ends too. */
const STREAMS: Record<string, string[]> = {
  "plain deltas, usage, [DONE]": [
    data('{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}'),
    data(delta("Hello")),
    data(delta(" wörld €😀")),
    data(delta("!")),
    data(delta("", "stop")),
    data(usage),
    data("[DONE]"),
  ],
  "usage and finish written with spaces, words that look like keys": [
    data(delta('the word "error": is just text')),
    data('{"id":"c","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}],"usage":null}'),
    data('{"id":"c","choices":[{"index":0,"delta":{},"finish_reason": "stop"}]}'),
    data('{"id":"c","choices":[], "usage" : {"prompt_tokens":4,"completion_tokens":5,"total_tokens":9}}'),
  ],
  "an error event mid-stream that echoes a secret": [data(delta("Once")), data(delta(" upon")), data('{"error":{"message":"Overloaded for s3cr3t-value"}}'), data(delta("never"))],
  "an event that is not JSON": [data(delta("a")), data("<html>502 Bad Gateway</html>"), data(delta("b", "stop"))],
  "cut short: no finish, no [DONE]": [data(delta("a")), data(delta("b"))],
  "CRLF, comments, event and id fields, multi-line data": [
    data(delta("a")),
    ": keep-alive\n\n",
    `id: 7\ndata: ${delta("b")}\n\n`,
    `data: ${delta("c")}\r\n\r\n`,
    `data: {"id":"c","choices":[{"index":0,\ndata: "delta":{},"finish_reason":"stop"}]}\n\n`,
    "event: error\ndata: {\"message\":\"from an event field\"}\n\n",
  ],
  "bytes that are not UTF-8": [data(delta("a")), "data: {\"choices\":[{\"delta\":{\"content\":\"\xff\"},\"index\":0}]}\n\n", data(delta("b", "stop"))],
  "an empty data line and a [DONE] in the middle": [data(delta("a")), "data: \n\n", data("[DONE]"), data(delta("late"))],
};

/** The events' bytes; "\xff" in a string stands for the single byte 0xff (not valid UTF-8). */
function bytesOf(text: string): Uint8Array {
  const parts = text.split("\xff").map((p) => enc.encode(p));
  const out: number[] = [];
  parts.forEach((p, i) => out.push(...(i ? [0xff] : []), ...p));
  return Uint8Array.from(out);
}

function answerOf(reads: Uint8Array[], clientWantsUsage: boolean) {
  const timer = { cancel: new Cancel(), settle: vi.fn(), release: vi.fn(), abort: vi.fn() };
  const res = {
    chunks: async function* () {
      yield* reads;
    },
  } as unknown as UpstreamResponse;
  return { ctx: { clientWantsUsage }, res, timer, state: undefined, body: new UpstreamBody(res, timer, 60_000, "test") } as unknown as Answer;
}

const scrub = (t: string) => t.replaceAll("s3cr3t-value", "[redacted]");

/** Everything the client is sent, as bytes, and what the call's end reported. */
async function run(reads: Uint8Array[], clientWantsUsage: boolean, relayed: boolean) {
  const ends: StreamEnd[] = [];
  // A writer of its own turns the relay off: the decoder-and-translator path, the reference.
  const source = clientStream(answerOf(reads, clientWantsUsage), adapter, scrub, (e) => ends.push(e), relayed ? undefined : openAIWriter());
  const sent: number[] = [];
  for (let piece = await source.read(); piece !== undefined; piece = await source.read()) sent.push(...(typeof piece === "string" ? enc.encode(piece) : piece));
  return { sent: Uint8Array.from(sent), ends: ends.map((e) => ({ ...e, error: e.error && { ...e.error } })) };
}

async function expectSame(reads: Uint8Array[], clientWantsUsage: boolean) {
  const reference = await run(reads, clientWantsUsage, false);
  expect(await run(reads, clientWantsUsage, true)).toEqual(reference);
}

/** Every way of grouping the events into reads (2^(n-1) of them): the relay takes event-aligned reads. */
function groupings(events: Uint8Array[]): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let mask = 0; mask < 1 << (events.length - 1); mask++) {
    const reads: Uint8Array[][] = [[events[0]!]];
    for (let i = 1; i < events.length; i++) (mask & (1 << (i - 1)) ? reads.push([events[i]!]) : reads[reads.length - 1]!.push(events[i]!));
    out.push(reads.map((r) => Uint8Array.from(r.flatMap((b) => [...b]))));
  }
  return out;
}

describe("OpenAISSERelay, against the decoder-and-translator path", () => {
  for (const [name, events] of Object.entries(STREAMS)) {
    const eventBytes = events.map(bytesOf);
    const whole = Uint8Array.from(eventBytes.flatMap((b) => [...b]));
    for (const clientWantsUsage of [false, true]) {
      const who = clientWantsUsage ? "usage asked for" : "usage not asked for";
      it(`${name} (${who}): reads grouped at event ends in every way`, async () => {
        for (const reads of groupings(eventBytes)) await expectSame(reads, clientWantsUsage);
      });

      it(`${name} (${who}): the first event alone, the rest cut at every byte offset`, async () => {
        const first = eventBytes[0]!;
        const rest = whole.subarray(first.length);
        for (let cut = 0; cut <= rest.length; cut++) await expectSame([first, ...cutAt(rest, [cut])], clientWantsUsage);
      });
    }
  }
});

describe("OpenAISSERelay", () => {
  const read = async (source: BodySource) => source.read();

  it("sends a read of plain deltas as the upstream's own bytes, after the stream's first read", async () => {
    const first = enc.encode(data(delta("a")));
    const second = enc.encode(data(delta("b")) + data(delta("ü")));
    const source = clientStream(answerOf([first, second, enc.encode(data(delta("", "stop")))], false), adapter, scrub, () => {});
    expect(typeof (await read(source))).toBe("string");
    expect(await read(source)).toBe(second);
  });

  it("sends the plain deltas before the usage chunk as bytes, and the rest as the translator writes it", async () => {
    const first = enc.encode(data(delta("a")));
    const plain = data(delta("€")) + data(delta("", "stop"));
    const ends: StreamEnd[] = [];
    const source = clientStream(answerOf([first, enc.encode(plain + data(usage) + data("[DONE]"))], false), adapter, scrub, (e) => ends.push(e));
    await read(source);
    const piece = await read(source);
    expect(piece).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(piece as Uint8Array)).toBe(plain);
    expect(await read(source)).toBe("data: [DONE]\n\n");
    expect(ends).toEqual([{ usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }]);
  });

  it("stays off behind output guardrails and for other writers", async () => {
    const reads = [enc.encode(data(delta("a"))), enc.encode(data(delta("b", "stop")))];
    const guard = { push: (parts: never[]) => parts, finish: async () => [] };
    const guarded = clientStream(answerOf(reads, false), adapter, scrub, () => {}, undefined, guard);
    await read(guarded);
    expect(typeof (await read(guarded))).toBe("string");
  });
});
