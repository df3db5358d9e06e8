/** The Worker's deferred-work plumbing: waitUntil must cover work that a stream defers at its end. */
import { describe, expect, it } from "vitest";
import { DeferredWork } from "../../functions/boot.js";
import { watchBody } from "../../functions/worker/deferred.js";
import { silentLogger } from "../../core/runtime.js";

/** Records what DeferredWork logs as failed. */
const recording = (errors: unknown[] = []) => ({ error: (msg: string, fields?: Record<string, unknown>) => void errors.push({ msg, ...fields }) });

const encoder = new TextEncoder();

/** An SSE body that defers `onEnd` work when its last chunk has been pulled, like the core's clientStream. */
function sseResponse(chunks: string[], onEnd: () => void, onCancel = () => {}) {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) c.enqueue(encoder.encode(chunks[i++]!));
      else {
        onEnd();
        c.close();
      }
    },
    cancel: onCancel,
  });
  return new Response(body, { headers: { "content-type": "text/event-stream; charset=utf-8" } });
}

describe("watchBody + DeferredWork", () => {
  it("passes a non-streamed answer through untouched, delivered at once", async () => {
    const res = new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
    const { response, delivered } = watchBody(res, silentLogger);
    expect(response).toBe(res);
    await delivered;
  });

  it("resolves delivered only after the stream was read to its end, then drains the work it deferred", async () => {
    const work = new DeferredWork(recording());
    const done: string[] = [];
    const res = sseResponse(["data: a\n\n", "data: [DONE]\n\n"], () =>
      work.defer(new Promise<void>((r) => setTimeout(() => (done.push("usage written"), r()), 20))),
    );
    const { response, delivered } = watchBody(res, silentLogger);
    let isDelivered = false;
    const waited = delivered.then(() => ((isDelivered = true), work.drained()));
    await new Promise((r) => setTimeout(r, 10));
    expect(isDelivered).toBe(false);
    expect(await response.text()).toBe("data: a\n\ndata: [DONE]\n\n");
    await waited;
    expect(done).toEqual(["usage written"]);
    expect(work.pending).toBe(0);
  });

  it("a client that goes away cancels the source and still lets the deferred work finish", async () => {
    const work = new DeferredWork(recording());
    let cancelled = false;
    const done: string[] = [];
    const res = sseResponse(["data: a\n\n", "data: b\n\n", "data: c\n\n"], () => {}, () => {
      cancelled = true;
      // The core reports a cancelled stream a little after the cancel (cancelled: true in its record).
      queueMicrotask(() => work.defer(Promise.resolve().then(() => void done.push("cancelled call logged"))));
    });
    const { response, delivered } = watchBody(res, silentLogger);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await delivered;
    await work.drained();
    expect(cancelled).toBe(true);
    expect(done).toEqual(["cancelled call logged"]);
  });

  it("a failing piece of deferred work is logged, and the rest still runs", async () => {
    const errors: unknown[] = [];
    const work = new DeferredWork(recording(errors));
    let ran = false;
    work.defer(Promise.reject(new Error("DynamoDB throttled")));
    work.defer(Promise.resolve().then(() => void (ran = true)));
    await work.drained();
    expect(ran).toBe(true);
    expect(errors).toEqual([{ msg: "deferred work failed", error: "DynamoDB throttled" }]);
  });
});

describe("DeferredWork.drained", () => {
  it("counts pending work and resolves true once all of it, and what it deferred, is done", async () => {
    const work = new DeferredWork(recording());
    const done: string[] = [];
    work.defer(new Promise<void>((r) => setTimeout(r, 20)).then(() => void work.defer(Promise.resolve().then(() => void done.push("second")))));
    expect(work.pending).toBe(1);
    expect(await work.drained()).toBe(true);
    expect(done).toEqual(["second"]);
    expect(work.pending).toBe(0);
  });

  it("resolves false when the time runs out first, leaving the work pending", async () => {
    const work = new DeferredWork(recording());
    work.defer(new Promise((r) => setTimeout(r, 2_000)));
    const t0 = Date.now();
    expect(await work.drained(50)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(work.pending).toBe(1);
  });

  it("an event stream that fails mid-way ends with an error event in its own style, not cleanly", async () => {
    const failing = (first: string) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(encoder.encode(first));
          },
          pull(c) {
            c.error(new Error("Network connection lost."));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    const openai = await watchBody(failing('data: {"choices":[]}\n\n'), silentLogger).response.text();
    expect(openai).toBe('data: {"choices":[]}\n\ndata: {"error":{"message":"The gateway\'s response stream failed before the end.","type":"api_error","code":"stream_error","param":null}}\n\n');
    const anthropic = await watchBody(failing("event: message_start\ndata: {}\n\n"), silentLogger).response.text();
    expect(anthropic.split("\n\n").at(-2)).toBe('event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The gateway\'s response stream failed before the end."}}');
  });
});
