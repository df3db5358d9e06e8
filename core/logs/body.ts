const encoder = new TextEncoder();

/**
 * A body cut to at most `maxBytes` of UTF-8, at a character boundary. Nothing is appended: a cut
 * JSON body stays cut, and the caller records that it was.
 */
export function capBody(text: string, maxBytes: number): { body: string; truncated: boolean } {
  // A UTF-16 code unit never takes more than 3 bytes of UTF-8: short texts need no encoding.
  if (text.length * 3 <= maxBytes) return { body: text, truncated: false };
  const room = Math.max(0, Math.floor(maxBytes));
  // encodeInto writes whole characters only, and says how many code units of the text it took.
  const { read } = encoder.encodeInto(text, new Uint8Array(room));
  return read >= text.length ? { body: text, truncated: false } : { body: text.slice(0, read), truncated: true };
}
