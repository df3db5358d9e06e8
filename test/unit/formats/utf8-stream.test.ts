import { describe, expect, it } from "vitest";
import { Utf8Stream } from "../../../core/formats/utf8-stream.js";
import { byteByByte, cutAt } from "../../helpers/splits.js";

const utf8 = (s: string) => new TextEncoder().encode(s);
const BOM = [0xef, 0xbb, 0xbf];

/** What TextDecoder's streaming mode makes of the same pieces: the reference. */
function reference(pieces: Uint8Array[]): string {
  const d = new TextDecoder();
  return pieces.map((p) => d.decode(p, { stream: true })).join("") + d.decode();
}

function decoded(pieces: Uint8Array[]): string {
  const d = new Utf8Stream();
  return pieces.map((p) => d.decode(p)).join("") + d.end();
}

const INPUTS: Record<string, Uint8Array> = {
  "ASCII lines": utf8('data: {"a":1}\n\ndata: [DONE]\n\n'),
  "two-, three- and four-byte characters": utf8('data: {"t":"ü€😀 ok"}\n\ndata: {"t":"日本語"}\n\n'),
  "a multi-byte character last": utf8("data: x\n\nlast ü"),
  "a leading BOM": Uint8Array.from([...BOM, ...utf8("data: a\n\n")]),
  "U+FEFF inside the stream (kept)": utf8("data: a\n\n\uFEFFdata: b\n\n"),
  "bytes that are not UTF-8": Uint8Array.from([...utf8("data: "), 0xe2, 0x82, 0x41, 0xff, 0x0a, 0xf0, 0x9f, 0x0a, 0x0a]),
  "a character cut by the end": Uint8Array.from([...utf8("data: a\n"), 0xe2, 0x82]),
};

describe("Utf8Stream", () => {
  for (const [name, input] of Object.entries(INPUTS)) {
    it(`${name}: the same text as a streaming TextDecoder, cut at every offset`, () => {
      expect(decoded([input])).toBe(reference([input]));
      for (let cut = 0; cut <= input.length; cut++) expect(decoded(cutAt(input, [cut])), `cut at ${cut}`).toBe(reference(cutAt(input, [cut])));
      for (let a = 0; a <= input.length; a++) for (let b = a; b <= input.length; b++) expect(decoded(cutAt(input, [a, b])), `cuts at ${a}, ${b}`).toBe(reference(cutAt(input, [a, b])));
      expect(decoded(byteByByte(input))).toBe(reference(byteByByte(input)));
    });
  }

  it("drops the BOM only at the stream's start, even when it arrives in pieces", () => {
    const input = Uint8Array.from([...BOM, ...utf8("a\n"), ...BOM, ...utf8("b\n")]);
    expect(decoded(byteByByte(input))).toBe("a\n\uFEFFb\n");
    expect(decoded(cutAt(input, [2, 3]))).toBe("a\n\uFEFFb\n");
  });
});
