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

/** Whether `value` takes more than `maxBytes` in UTF-8. A UTF-16 unit is at most 3 bytes: encode only when it could matter. */
export function exceedsUtf8Bytes(value: string, maxBytes: number): boolean {
  return value.length * 3 > maxBytes && (value.length > maxBytes || new TextEncoder().encode(value).length > maxBytes);
}
