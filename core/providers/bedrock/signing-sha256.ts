import { Sha256 } from "@aws-crypto/sha256-js";
import { fromUtf8 } from "@smithy/util-utf8";

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData): Uint8Array =>
  typeof data === "string" ? fromUtf8(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/**
 * HMAC keys already imported, by key bytes: importKey costs more than the HMAC itself, and SigV4
 * uses the same few keys over and over (the secret, then the day's signing key). Bounded.
 */
const keys = new Map<string, Promise<CryptoKey>>();
const MAX_KEYS = 128;

function hmacKey(secret: SourceData): Promise<CryptoKey> {
  const raw = bytesOf(secret);
  const id = String.fromCharCode(...raw);
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value!);
    key = crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(id, key);
  }
  return key;
}

/**
 * SHA-256 / HMAC-SHA256 for the SigV4 signer on the runtime's native Web Crypto (Workers, Node and
 * Lambda all have crypto.subtle): the signer hashes the whole body on every call, and hashing in
 * JavaScript costs several times more. Same Checksum shape as @aws-crypto/sha256-js, which stays
 * the fallback where crypto.subtle is missing.
 */
export class WebCryptoSha256 {
  private parts: Uint8Array[] = [];

  constructor(private readonly secret?: SourceData) {}

  update(data: Uint8Array): void {
    this.parts.push(data);
  }

  async digest(): Promise<Uint8Array> {
    const data = (this.parts.length === 1 ? this.parts[0]! : concat(this.parts)) as Uint8Array<ArrayBuffer>;
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
    return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(this.secret), data));
  }

  reset(): void {
    this.parts = [];
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const Sha256Impl = typeof crypto !== "undefined" && crypto.subtle ? WebCryptoSha256 : Sha256;
