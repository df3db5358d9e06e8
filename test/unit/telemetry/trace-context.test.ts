import { afterEach, describe, expect, it, vi } from "vitest";
import { newSpanId, newTraceContext, parseTraceparent, traceparentOf } from "../../../core/telemetry/trace-context.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${PARENT}-01`;

describe("parseTraceparent", () => {
  it("reads the spec's example: trace id, the client's span, the sampled flag", () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, spanId: PARENT, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-00`)).toEqual({ traceId: TRACE, spanId: PARENT, sampled: false });
    // Only bit 0 means sampled; other flags are ignored, not refused.
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-03`)?.sampled).toBe(true);
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-02`)?.sampled).toBe(false);
    expect(parseTraceparent(`  ${VALID} `)?.traceId).toBe(TRACE);
  });

  it.each([
    ["absent", undefined],
    ["empty", ""],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["an upper-case parent id", `00-${TRACE}-${PARENT.toUpperCase()}-01`],
    ["upper-case flags", `00-${TRACE}-${PARENT}-0A`],
    ["a short trace id", `00-${TRACE.slice(1)}-${PARENT}-01`],
    ["a long parent id", `00-${TRACE}-${PARENT}0-01`],
    ["a one-digit flag", `00-${TRACE}-${PARENT}-1`],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["a one-digit version", `0-${TRACE}-${PARENT}-01`],
    ["a non-hex version", `0g-${TRACE}-${PARENT}-01`],
    ["an upper-case version", `0A-${TRACE}-${PARENT}-01`],
    ["version 00 with a field after the flags", `${VALID}-what`],
    ["version 00 with a character after the flags", `${VALID}x`],
    ["underscores for dashes", `00_${TRACE}_${PARENT}_01`],
    ["non-hex in the trace id", `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
    ["two headers joined by a comma", `${VALID},${VALID}`],
  ])("refuses %s", (_, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it("parses a future version's first four fields and ignores what follows a dash", () => {
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01`)).toEqual({ traceId: TRACE, spanId: PARENT, sampled: true });
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01-what-the-future-will-be-like`)).toEqual({ traceId: TRACE, spanId: PARENT, sampled: true });
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01what`)).toBeUndefined();
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-1`)).toBeUndefined();
    expect(parseTraceparent(`cc-${"0".repeat(32)}-${PARENT}-01-x`)).toBeUndefined();
  });

  it("keeps a valid tracestate as sent, and drops a malformed one without losing the traceparent", () => {
    expect(parseTraceparent(VALID, "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7")?.tracestate).toBe("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7");
    expect(parseTraceparent(VALID, "tenant@vendor=a-b")?.tracestate).toBe("tenant@vendor=a-b");
    for (const bad of ["", "   ", "Upper=1", "novalue", "k=v,k=w", "k=va=lue", "k=\u00e9", `k=${"v".repeat(600)}`, Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(",")]) {
      const context = parseTraceparent(VALID, bad);
      expect(context?.traceId, bad).toBe(TRACE);
      expect(context?.tracestate, bad).toBeUndefined();
    }
  });

  it("ignores the tracestate when the traceparent is invalid", () => {
    expect(parseTraceparent("garbage", "congo=t61rcWkgMzE")).toBeUndefined();
  });
});

describe("newTraceContext", () => {
  afterEach(() => vi.restoreAllMocks());

  it("starts a sampled trace with fresh random ids when the client sent none", () => {
    const a = newTraceContext();
    const b = newTraceContext();
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.parentSpanId).toBeUndefined();
    expect(a.sampled).toBe(true);
    expect(b.traceId).not.toBe(a.traceId);
    expect(newTraceContext(undefined, { sampled: false }).sampled).toBe(false);
  });

  it("joins the client's trace: same trace id, the client's span as parent, its sampling and tracestate carried", () => {
    const parent = parseTraceparent(`00-${TRACE}-${PARENT}-00`, "congo=t61rcWkgMzE")!;
    const context = newTraceContext(parent);
    expect(context).toEqual({ traceId: TRACE, spanId: context.spanId, parentSpanId: PARENT, sampled: false, tracestate: "congo=t61rcWkgMzE" });
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe(PARENT);
  });

  it("draws ids from crypto.getRandomValues and never returns an all-zero id", () => {
    let calls = 0;
    vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      calls++;
      const bytes = array as unknown as Uint8Array;
      bytes.fill(calls === 1 ? 0 : 0xab);
      return array;
    });
    expect(newSpanId()).toBe("abababababababab");
    expect(calls).toBe(2);
  });
});

describe("traceparentOf", () => {
  it("writes version 00, which parses back to the same span", () => {
    const span = newSpanId();
    expect(traceparentOf(TRACE, span, true)).toBe(`00-${TRACE}-${span}-01`);
    expect(traceparentOf(TRACE, span, false)).toBe(`00-${TRACE}-${span}-00`);
    expect(parseTraceparent(traceparentOf(TRACE, span, true))).toEqual({ traceId: TRACE, spanId: span, sampled: true });
  });
});
