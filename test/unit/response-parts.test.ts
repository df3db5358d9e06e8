import { describe, expect, it } from "vitest";
import { asResponse, type BodySource, readableOf, responseParts, streamedAnswer, streamedParts, wholeResponse } from "../../core/response-parts.js";

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

describe("streamedAnswer and asResponse", () => {
  it("a streamed answer is its parts, with no Response or Web stream made for it", () => {
    const { source, state } = sourceOf(["x"]);
    const answer = streamedAnswer(source, 200, { "content-type": "text/event-stream" });
    expect(answer).not.toBeInstanceOf(Response);
    expect(streamedParts(answer)?.source).toBe(source);
    expect(state.reads).toBe(0);
  });

  it("as a Response, its body reads the same source, and the Response keeps its parts", async () => {
    const { source } = sourceOf(["data: a\n\n", "data: b\n\n"]);
    const res = asResponse(streamedAnswer(source, 200, { "content-type": "text/event-stream" }));
    expect(res).toBeInstanceOf(Response);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(streamedParts(res)?.source).toBe(source);
    expect(await res.text()).toBe("data: a\n\ndata: b\n\n");
  });

  it("a Response is its own Response; one built around another's body has no parts", () => {
    const res = wholeResponse("{}", 200, { "content-type": "application/json" });
    expect(asResponse(res)).toBe(res);
    expect(responseParts(res)).toEqual({ status: 200, headers: { "content-type": "application/json" }, body: "{}" });
    expect(responseParts(new Response(res.body))).toBeUndefined();
    expect(streamedParts(res)).toBeUndefined();
  });
});
