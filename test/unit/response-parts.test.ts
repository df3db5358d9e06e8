import { describe, expect, it } from "vitest";
import { type BodySource, readableOf, streamedParts, streamedResponse } from "../../core/response-parts.js";

/** A source that hands out `pieces` in turn, counting reads, then ends. */
function sourceOf(pieces: Array<string | Uint8Array>) {
  const state = { reads: 0, cancelled: false };
  const source: BodySource = {
    read: async () => {
      state.reads++;
      return pieces.shift();
    },
    cancel: async () => void (state.cancelled = true),
  };
  return { source, state };
}

describe("readableOf", () => {
  it("gives text as UTF-8 bytes and bytes as they are, and ends when the source does", async () => {
    const { source } = sourceOf(["data: é\n\n", new TextEncoder().encode("data: [DONE]\n\n")]);
    expect(await new Response(readableOf(source)).text()).toBe("data: é\n\ndata: [DONE]\n\n");
  });

  it("reads nothing ahead of its reader, and passes a cancel on to the source", async () => {
    const { source, state } = sourceOf(["a", "b", "c"]);
    const reader = readableOf(source).getReader();
    expect(state.reads).toBe(0);
    await reader.read();
    expect(state.reads).toBe(1);
    await reader.cancel();
    expect(state.cancelled).toBe(true);
    expect(state.reads).toBe(1);
  });
});

describe("streamedResponse", () => {
  it("is a Response whose parts a runtime can write itself, the same source behind both", async () => {
    const { source } = sourceOf(["x"]);
    const res = streamedResponse(source, 200, { "content-type": "text/event-stream" });
    expect(streamedParts(res)?.source).toBe(source);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(streamedParts(new Response(res.body))).toBeUndefined();
  });
});
