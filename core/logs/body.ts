/** Cuts `text` to at most `maxBytes` UTF-8 bytes, at a character boundary. */
export function capBody(text: string, maxBytes: number): { body: string; truncated: boolean } {
  if (text.length * 3 <= maxBytes) return { body: text, truncated: false };
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return { body: text, truncated: false };
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { body: new TextDecoder().decode(bytes.subarray(0, end)), truncated: true };
}
