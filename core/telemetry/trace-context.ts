import { toHex } from "../crypto.js";
import type { TraceContext } from "../types.js";

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): reading a client's `traceparent` and
 * `tracestate`, making the gateway's own span ids, and writing the header an upstream receives.
 */

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/** Version 00 is exactly `vv-<32 hex>-<16 hex>-ff`: 55 characters. */
const V00_LENGTH = 55;
const VERSION = /^[0-9a-f]{2}$/;
const FLAGS = /^[0-9a-f]{2}$/;

/** A longer tracestate is dropped rather than cut: 512 characters is what the spec asks vendors to pass on at least. */
const MAX_TRACESTATE_LENGTH = 512;
const MAX_TRACESTATE_MEMBERS = 32;
const TRACESTATE_MEMBER =
  /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})=[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * The client's trace context, or undefined when its traceparent is absent or invalid (then the
 * gateway starts a new trace, and the tracestate is ignored, as the spec requires). The returned
 * `spanId` is the client's span: pass it to newTraceContext as the parent.
 */
export function parseTraceparent(header: string | null | undefined, tracestate?: string | null): TraceContext | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const version = value.slice(0, 2);
  if (!VERSION.test(version) || version === "ff") return undefined;
  // A future version may append fields after another dash; version 00 may not.
  if (version === "00" ? value.length !== V00_LENGTH : value.length < V00_LENGTH || (value.length > V00_LENGTH && value[V00_LENGTH] !== "-")) return undefined;
  if (value[2] !== "-" || value[35] !== "-" || value[52] !== "-") return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!isTraceId(traceId) || !isSpanId(spanId) || !FLAGS.test(flags)) return undefined;
  const context: TraceContext = { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
  const state = validTracestate(tracestate);
  if (state) context.tracestate = state;
  return context;
}

/** A valid trace id: 32 lower-case hex digits, not all zero. */
export function isTraceId(id: string): boolean {
  return TRACE_ID.test(id) && id !== ZERO_TRACE_ID;
}

/** A valid span (parent) id: 16 lower-case hex digits, not all zero. */
export function isSpanId(id: string): boolean {
  return SPAN_ID.test(id) && id !== ZERO_SPAN_ID;
}

/**
 * The gateway's context for one request: a fresh span in the client's trace (the client's span
 * becomes its parent, its sampling decision and tracestate carry over), or a new trace when the
 * client sent none. New traces are sampled unless `options.sampled` says otherwise.
 */
export function newTraceContext(parent?: Pick<TraceContext, "traceId" | "spanId" | "sampled" | "tracestate">, options: { sampled?: boolean } = {}): TraceContext {
  if (!parent) return { traceId: randomId(16), spanId: newSpanId(), sampled: options.sampled ?? true };
  const context: TraceContext = { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.spanId, sampled: parent.sampled };
  if (parent.tracestate) context.tracestate = parent.tracestate;
  return context;
}

/** A fresh span id: 8 random bytes as 16 hex digits, never all zero. */
export function newSpanId(): string {
  return randomId(8);
}

/** The traceparent header for a span (always version 00, the one this code knows). */
export function traceparentOf(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}

function randomId(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  for (;;) {
    crypto.getRandomValues(buffer);
    if (buffer.some((b) => b !== 0)) return toHex(buffer);
  }
}

/** The tracestate as received (trimmed), or undefined when it is empty, too long or malformed. */
function validTracestate(header: string | null | undefined): string | undefined {
  const value = header?.trim();
  if (!value || value.length > MAX_TRACESTATE_LENGTH) return undefined;
  const members = value
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "");
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  const keys = new Set<string>();
  for (const member of members) {
    if (!TRACESTATE_MEMBER.test(member)) return undefined;
    const key = member.slice(0, member.indexOf("="));
    if (keys.has(key)) return undefined;
    keys.add(key);
  }
  return value;
}
