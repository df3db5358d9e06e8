/** Behaviour every Store adapter shares, so they agree to the millisecond. */
import { ResponseTooLargeError, type StoredResponse, type UsageRow } from "./types.js";

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

/** ResponseStore.maxRecordBytes, the same on every adapter. */
export const MAX_RESPONSE_RECORD_BYTES = 16 * 1024 * 1024;

/** The UTF-8 length of `s` without encoding it (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c < 0xdc00 && c >= 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

/**
 * Where a stored response lives: `<tenant>/<id>`. A tenant never holds "/", so the first one
 * splits the key and no (tenant, id) pair can name another tenant's record.
 */
export function responseKey(tenant: string, id: string): string {
  if (!tenant || tenant.includes("/")) throw new Error(`a response's tenant must be non-empty and hold no "/", got "${tenant}"`);
  return `${tenant}/${id}`;
}

/** What every put checks before writing: a key, a positive TTL, and the size limit. */
export function checkResponsePut(record: StoredResponse, ttlSeconds: number, maxBytes: number): void {
  responseKey(record.tenant, record.id);
  if (!record.id) throw new Error("a stored response needs an id");
  if (!(ttlSeconds > 0)) throw new RangeError(`a stored response needs a TTL above 0 seconds, got ${ttlSeconds}`);
  if ((record.response.length + record.items.length) * 3 <= maxBytes) return;
  const bytes = utf8Length(record.response) + utf8Length(record.items);
  if (bytes > maxBytes) throw new ResponseTooLargeError(bytes, maxBytes);
}
