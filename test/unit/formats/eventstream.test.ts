import { toUtf8 } from "@smithy/util-utf8";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { EventStreamDecoder, isEventStream, loadEventStreamCodec, type EventStreamMessage } from "../../../core/formats/eventstream.js";
import { framings } from "../../../core/formats/framing.js";
import { fixtureBytes, fixtureJson } from "../../helpers/fixtures.js";
import { cutAt } from "../../helpers/splits.js";

beforeAll(loadEventStreamCodec);

const summary = (messages: EventStreamMessage[]) =>
  messages.map((m) => ({ type: m.headers[":event-type"] ?? m.headers[":exception-type"], kind: m.headers[":message-type"], body: JSON.parse(toUtf8(m.body)) }));

const expected = (name: string) =>
  fixtureJson<any[]>(`bedrock/${name}.transcript.json`).map((f) => ({ type: f.event ?? f.exception, kind: f.event ? "event" : "exception", body: f.body }));

function decodeInPieces(bytes: Uint8Array, cuts: number[]): EventStreamMessage[] {
  const d = new EventStreamDecoder();
  const out: EventStreamMessage[] = [];
  for (const piece of cutAt(bytes, cuts)) out.push(...d.push(piece));
  out.push(...d.flush());
  return out;
}

describe("EventStreamDecoder", () => {
  for (const name of ["stream-text", "stream-tool-use", "stream-throttled"]) {
    it(`decodes ${name} split in two at every byte offset`, () => {
      const bytes = fixtureBytes(`bedrock/${name}.bin`);
      const want = expected(name);
      for (let cut = 0; cut <= bytes.length; cut++) {
        const got = summary(decodeInPieces(bytes, [cut]));
        if (JSON.stringify(got) !== JSON.stringify(want)) expect({ cut, got }).toEqual({ cut, got: want });
      }
    });
  }

  it("decodes a transcript fed one byte at a time, and split in three everywhere", () => {
    const bytes = fixtureBytes("bedrock/stream-text.bin");
    const want = expected("stream-text");
    expect(summary(decodeInPieces(bytes, Array.from({ length: bytes.length }, (_, i) => i)))).toEqual(want);
    for (let a = 0; a < bytes.length; a += 13) {
      for (let b = a; b <= bytes.length; b += 17) {
        const got = summary(decodeInPieces(bytes, [a, b]));
        if (JSON.stringify(got) !== JSON.stringify(want)) expect({ a, b, got }).toEqual({ a, b, got: want });
      }
    }
  });

  it("keeps multi-byte characters whole however the frame is cut", () => {
    const got = summary(decodeInPieces(fixtureBytes("bedrock/stream-text.bin"), [301, 302, 303]));
    expect(got.map((m) => m.body.delta?.text ?? "").join("")).toBe("Hello! The capital of France is Paris — Ünïcödé ✓.");
  });

  it("is the framing registered as aws-eventstream", () => {
    expect(framings["aws-eventstream"]!()).toBeInstanceOf(EventStreamDecoder);
  });

  it("rejects a frame whose checksum does not match, as an upstream error", () => {
    const bytes = fixtureBytes("bedrock/stream-text.bin").slice();
    bytes[40] = bytes[40]! ^ 0xff;
    expect(() => new EventStreamDecoder().push(bytes)).toThrow(GatewayError);
    try {
      new EventStreamDecoder().push(bytes);
    } catch (e) {
      expect((e as GatewayError).status).toBe(502);
      expect((e as GatewayError).code).toBe("bad_upstream_stream");
    }
  });

  it("rejects an impossible frame length without waiting for the bytes", () => {
    expect(() => new EventStreamDecoder().push(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0, 0]))).toThrow(/corrupt/);
    expect(() => new EventStreamDecoder().push(new Uint8Array([0, 0, 0, 3]))).toThrow(/corrupt/);
  });

  it("reports a stream that ends inside a frame", () => {
    const bytes = fixtureBytes("bedrock/stream-text.bin");
    const d = new EventStreamDecoder();
    expect(d.push(bytes.subarray(0, bytes.length - 5)).length).toBe(6);
    expect(() => d.flush()).toThrow(/ended inside a frame/);
  });
});

describe("the codec loads with the first event-stream answer", () => {
  it("loads once, and a decoder needs it loaded", async () => {
    vi.resetModules();
    const fresh = await import("../../../core/formats/eventstream.js");
    expect(() => new fresh.EventStreamDecoder()).toThrow(/loadEventStreamCodec/);
    const loading = fresh.loadEventStreamCodec();
    expect(fresh.loadEventStreamCodec()).toBe(loading);
    await loading;
    expect(new fresh.EventStreamDecoder().push(fixtureBytes("bedrock/stream-text.bin")).length).toBeGreaterThan(0);
  });

  it("isEventStream: the content types AWS sends, any case, with parameters", () => {
    expect(isEventStream("application/vnd.amazon.eventstream")).toBe(true);
    expect(isEventStream("Application/VND.Amazon.EventStream; charset=binary")).toBe(true);
    expect(isEventStream("application/x-amz-eventstream")).toBe(true);
    expect(isEventStream("text/event-stream")).toBe(false);
    expect(isEventStream(undefined)).toBe(false);
  });
});
