import { describe, expect, it } from "vitest";
import { SSEDecoder, encodeSSE, type SSEEvent } from "../../../core/formats/sse.js";
import { cutAt } from "../../helpers/splits.js";

const bytes = (s: string) => new TextEncoder().encode(s);

function decodeWhole(input: Uint8Array): SSEEvent[] {
  const d = new SSEDecoder();
  return [...d.push(input), ...d.flush()];
}

function decodeSplit(input: Uint8Array, cuts: number[]): SSEEvent[] {
  const d = new SSEDecoder();
  return [...cutAt(input, cuts).flatMap((piece) => d.push(piece)), ...d.flush()];
}

const TRANSCRIPTS: Record<string, string> = {
  "LF framing": 'data: {"a":1}\n\ndata: {"b":"ü€😀"}\n\ndata: [DONE]\n\n',
  "CRLF framing": 'event: message_start\r\ndata: {"x":1}\r\n\r\nevent: ping\r\ndata: {}\r\n\r\n',
  "CR framing": "data: one\r\rdata: two\r\r",
  "mixed line ends, LF then CRLF then CR": "data: a\n\ndata: b\r\n\r\ndata: c\r\rdata: d\n\n",
  "comments, ids and multi-line data": ": keep-alive\n\nid: 7\nevent: delta\ndata: line 1\ndata: line 2\n\ndata:no-space\n\n",
};

describe("SSEDecoder", () => {
  it("decodes events, event names, ids and multi-line data", () => {
    expect(decodeWhole(bytes(TRANSCRIPTS["comments, ids and multi-line data"]!))).toEqual([
      { event: "delta", id: "7", data: "line 1\nline 2" },
      { id: "7", data: "no-space" },
    ]);
  });

  for (const [name, text] of Object.entries(TRANSCRIPTS)) {
    it(`gives the same events for ${name} split at every byte offset`, () => {
      const input = bytes(text);
      const whole = decodeWhole(input);
      expect(whole.length).toBeGreaterThan(0);
      for (let i = 0; i <= input.length; i++) expect(decodeSplit(input, [i])).toEqual(whole);
    });

    it(`gives the same events for ${name} fed one byte at a time`, () => {
      const input = bytes(text);
      expect(decodeSplit(input, Array.from({ length: input.length }, (_, i) => i))).toEqual(decodeWhole(input));
    });
  }

  it("keeps multi-byte characters whole when a cut falls inside one", () => {
    const input = bytes('data: {"t":"😀 é 中"}\n\n');
    for (let i = 0; i <= input.length; i++) expect(decodeSplit(input, [i])[0]!.data).toBe('{"t":"😀 é 中"}');
  });

  it("treats a CRLF split across two pieces as one line end", () => {
    expect(decodeSplit(bytes("data: a\r\n\r\ndata: b\r\n\r\n"), [8, 9, 10])).toEqual([{ data: "a" }, { data: "b" }]);
  });

  it("delivers a last event that lacked its blank line at the end of the stream", () => {
    expect(decodeWhole(bytes("data: tail"))).toEqual([{ data: "tail" }]);
  });

  it("dispatches nothing for a blank line with no data", () => {
    expect(decodeWhole(bytes("\n\n: comment\n\nevent: x\n\n"))).toEqual([]);
  });
});

describe("encodeSSE", () => {
  it("round-trips through the decoder", () => {
    const text = encodeSSE("a\nb", "delta") + encodeSSE("[DONE]");
    expect(decodeWhole(bytes(text))).toEqual([{ event: "delta", data: "a\nb" }, { data: "[DONE]" }]);
  });
});
