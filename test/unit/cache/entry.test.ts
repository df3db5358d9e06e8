import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../core/cache/key.js";
import { decodeEntry, encodeEntry, type CachedAnswer } from "../../../core/cache/entry.js";

const answer = (body: Uint8Array, over: Partial<CachedAnswer> = {}): CachedAnswer => ({
  status: 200,
  headers: { "content-type": "application/json" },
  stream: false,
  provider: "openai",
  model: "gpt-4o-mini",
  usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
  storedAt: 1,
  body,
  ...over,
});

describe("cache entries", () => {
  it("round-trips a small answer as plain text", async () => {
    const a = answer(new TextEncoder().encode('{"answer":"é ✓"}'));
    const value = await encodeEntry(a);
    expect(value.startsWith("t")).toBe(true);
    expect(await decodeEntry(value)).toEqual(a);
  });

  it("gzips a large answer, several times smaller", async () => {
    const a = answer(new TextEncoder().encode(`data: ${JSON.stringify({ text: "hello ".repeat(5000) })}\n\n`), { stream: true, headers: { "content-type": "text/event-stream" } });
    const value = await encodeEntry(a);
    expect(value.startsWith("z")).toBe(true);
    expect(value.length).toBeLessThan(a.body.length / 10);
    expect(await decodeEntry(value)).toEqual(a);
  });

  it("keeps bytes that are not UTF-8 (an AWS event stream) exact", async () => {
    const bytes = new Uint8Array(3000).map((_, i) => (i * 131) % 256);
    const decoded = await decodeEntry(await encodeEntry(answer(bytes)));
    expect(decoded!.body).toEqual(bytes);
  });

  it("reads a value it does not know as a miss", async () => {
    expect(await decodeEntry("x{}")).toBeUndefined();
    expect(await decodeEntry("t{}")).toBeUndefined();
  });
});

describe("canonical JSON", () => {
  it("ignores key order and spacing, keeps array order and values", () => {
    expect(canonicalJson(JSON.parse('{ "b": [2, {"y":1,"x":0}], "a": null }'))).toBe('{"a":null,"b":[2,{"x":0,"y":1}]}');
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
