import { describe, expect, it, vi } from "vitest";
import type { Call } from "../../../core/lifecycle/call.js";
import { fixtureBytes } from "../../helpers/fixtures.js";

describe("BodyCapture", () => {
  it("logs an event-stream answer read before any upstream answer loaded the codec (a cached one, on a cold start)", async () => {
    vi.resetModules();
    const { BodyCapture } = await import("../../../core/lifecycle/capture.js");
    const capture = new BodyCapture(64 * 1024);
    const call = { record: { stream: true, endpoint: "passthrough", provider: "aws-bedrock" } } as unknown as Call;
    const res = await capture.answer(new Response(fixtureBytes("bedrock/stream-text.bin"), { headers: { "content-type": "application/vnd.amazon.eventstream" } }), call);
    await res.arrayBuffer();
    const { response, truncated } = await capture.bodies;
    expect(truncated).toBe(false);
    expect(JSON.parse(response!)).toEqual({ text: "Hello! The capital of France is Paris — Ünïcödé ✓." });
  });
});
