import type { Call } from "./call.js";
import type { LimitState } from "./limit-state.js";
import { keyCounters, MINUTE_MS, windowStart } from "./windows.js";

/**
 * maxParallel: a key's calls in flight. A slot is taken before the upstream call and given back
 * when the call finishes (Call.onFinish).
 */

/** Takes a slot in this process's own count (it is the only one counting); the count in flight when none is left. */
export function takeLocalSlot(state: LimitState, call: Call, keyId: string, parallel: number): number | undefined {
  const running = state.inFlight.get(keyId) ?? 0;
  if (running >= parallel) return running;
  state.inFlight.set(keyId, running + 1);
  call.onFinish(() => {
    const n = (state.inFlight.get(keyId) ?? 1) - 1;
    if (n > 0) state.inFlight.set(keyId, n);
    else state.inFlight.delete(keyId);
  });
  return undefined;
}
/**
 * In-flight counts in a shared store are kept in windows of SLOT_WINDOW_MS, the longest a Lambda
 * invocation lives: a call counts in the window it started in, and a check counts the current
 * window and the one before. A slot an instance never gave back (it crashed) is gone with its
 * window's counter, within two windows.
 */
export const SLOT_WINDOW_MS = 15 * MINUTE_MS;

export interface SharedSlot {
  allowed: boolean;
  count: number;
  release(): void;
}

/** Takes one of the key's `parallel` slots in the store: the previous window's count (kept a second, like token counts) is taken off the limit of an atomic hit. */
export async function takeSharedSlot(state: LimitState, keyId: string, parallel: number, now: number): Promise<SharedSlot> {
  const counter = keyCounters(keyId).inFlight;
  const start = windowStart(now, SLOT_WINDOW_MS);
  const before = Math.max(0, await state.count(counter, start - SLOT_WINDOW_MS));
  const r = await state.counters.hit(counter, start, SLOT_WINDOW_MS, 1, parallel - before);
  return {
    allowed: r.allowed,
    count: r.count + before,
    release: () => state.defer(state.counters.add(counter, start, SLOT_WINDOW_MS, -1)),
  };
}
