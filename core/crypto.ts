import { Sha256 } from "@aws-crypto/sha256-js";

/**
 * Hashing and comparison, the same on Workers, Lambda and Node. SHA-256 of short strings (keys,
 * tokens) is computed in JS: on Node, crypto.subtle.digest hops to the thread pool and costs
 * several times more per call, and these hashes run on every request.
 */
export async function sha256(text: string): Promise<Uint8Array> {
  const h = new Sha256();
  h.update(text);
  return h.digest();
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await sha256(text));
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Equal-length byte arrays compared without an early exit, so timing tells nothing of where they differ. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
