import { expect } from "vitest";
import type { GatewayError } from "../../core/errors.js";
import { SSEDecoder, type SSEEvent } from "../../core/formats/sse.js";
import type { StreamTranslator } from "../../core/providers/types.js";

/** `bytes` cut at each offset of `cuts` (ascending; empty pieces kept): [0, c1), [c1, c2), …, [cn, end). */
export function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.subarray(from, cut));
    from = cut;
  }
  return pieces;
}

/** `bytes` one byte a piece. */
export const byteByByte = (bytes: Uint8Array) => Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));

/** What a stream translator made of some bytes: its chunks (`created` set to 0), and the error it threw if it did. */
export interface Translated {
  chunks: any[];
  error?: GatewayError;
}

/** Feeds the pieces through an SSE decoder into the translator, then flushes and ends both. */
export function translateSSE(t: StreamTranslator<SSEEvent>, pieces: Uint8Array[]): Translated {
  const decoder = new SSEDecoder();
  const chunks: any[] = [];
  const take = (parts: ReturnType<typeof t.push>) => parts.forEach(({ chunk }) => chunks.push({ ...chunk, created: 0 }));
  try {
    for (const p of pieces) for (const ev of decoder.push(p)) take(t.push(ev));
    for (const ev of decoder.flush()) take(t.push(ev));
    take(t.end());
  } catch (e) {
    return { chunks, error: e as GatewayError };
  }
  return { chunks };
}

/**
 * Asserts the same output however the bytes are cut: in two at every offset (chunks and error
 * message), and one byte at a time (chunks). Returns the output for the bytes whole.
 */
export function expectSameAtEverySplit(bytes: Uint8Array, run: (pieces: Uint8Array[]) => Translated): Translated {
  const whole = run([bytes]);
  for (let k = 0; k <= bytes.length; k++) {
    const split = run(cutAt(bytes, [k]));
    expect(split.chunks, `split at byte ${k}`).toEqual(whole.chunks);
    expect(split.error?.message, `split at byte ${k}`).toEqual(whole.error?.message);
  }
  expect(run(byteByByte(bytes)).chunks).toEqual(whole.chunks);
  return whole;
}
