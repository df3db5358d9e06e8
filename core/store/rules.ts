/** Behaviour every Store adapter shares, so they agree to the millisecond. */
import type { UsageRow } from "./types.js";

/** How long a counter stays readable after its window starts: sliding windows read the previous window. */
export function counterExpiry(windowStart: number, windowMs: number): number {
  return windowStart + 2 * windowMs;
}

/** Usage rows come back sorted by day, then key, then model. */
export function compareUsage(a: UsageRow, b: UsageRow): number {
  return a.day < b.day ? -1 : a.day > b.day ? 1 : a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : 0;
}
