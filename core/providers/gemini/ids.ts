import { SIGNATURE_MARK } from "./mappings.js";

/**
 * Gemini's function calls have no ids; OpenAI clients need one per call to send results back.
 * The id is derived from the response id, the candidate, the call's position and its name, so the
 * same answer always yields the same ids, streamed or not. A call's thoughtSignature (which Gemini
 * wants back with the call on the next turn) rides along after SIGNATURE_MARK, so the gateway stays
 * stateless: the client echoes the id, the request side splits the signature out again.
 */
export function toolCallId(responseId: string, candidate: number, position: number, name: string, signature?: string): string {
  const id = `call_${fnv1a(`${responseId}\u0000${candidate}\u0000${position}\u0000${name}`)}`;
  return signature ? id + SIGNATURE_MARK + signature : id;
}

export function signatureOf(id: string): string | undefined {
  const at = id.indexOf(SIGNATURE_MARK);
  return at >= 0 ? id.slice(at + SIGNATURE_MARK.length) || undefined : undefined;
}

/** Two 32-bit FNV-1a hashes (different offsets) as 16 hex digits: fast, synchronous, stable everywhere. Not a security measure. */
function fnv1a(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
