import { sha256Hex } from "../crypto.js";

/** Every virtual key starts with this, so it is recognisable in a config file or a leaked log line. */
export const KEY_PREFIX = "sk-strait-";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` characters of base 62, each drawn without modulo bias from crypto.getRandomValues. */
function randomBase62(length: number): string {
  let out = "";
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) {
      if (b >= 248) continue; // 248 = 62 * 4: larger bytes would favour the first characters
      out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** 40 base-62 characters: 238 bits of randomness. */
export function generateKey(): string {
  return KEY_PREFIX + randomBase62(40);
}

/** `key_` and 20 base-62 characters: unique, safe to log and to put in a URL. */
export function generateKeyId(): string {
  return `key_${randomBase62(20)}`;
}

export function isVirtualKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX);
}

/** What the store holds instead of the key: SHA-256, hex. */
export const hashKey = sha256Hex;

/** Enough to recognise a key in a list, far too little to guess it: "sk-strait-Ab12…xY9z". */
export function keyHint(key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 4)}…${key.slice(-4)}`;
}
