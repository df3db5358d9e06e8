import { concatBytes } from "../../formats/bytes.js";
import { Sha256 } from "@aws-crypto/sha256-js";

/** Below this many bytes, hashing in JavaScript costs less than a round trip through crypto.subtle. */
const NATIVE_FROM = 4096;

/**
 * The SigV4 signer's SHA-256: @aws-crypto/sha256-js for HMACs and small inputs, the runtime's
 * native Web Crypto (Workers, Node and Lambda all have crypto.subtle) for a large body. The signer
 * hashes the whole body on every call, and in JavaScript a 1 MB body (one inline image) costs
 * ~13 ms of CPU against ~1.3 ms natively; under 4 KB the JavaScript hash is the cheaper one.
 */
export class SigningSha256 {
  private readonly js: Sha256 | undefined;
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    if (secret !== undefined || typeof crypto === "undefined" || !crypto.subtle) this.js = new Sha256(secret);
  }

  update(data: Uint8Array): void {
    if (this.js) {
      this.js.update(data);
      return;
    }
    this.parts.push(data);
    this.size += data.length;
  }

  async digest(): Promise<Uint8Array> {
    if (this.js) return this.js.digest();
    const data = this.parts.length === 1 ? this.parts[0]! : concatBytes(this.parts, this.size);
    if (this.size < NATIVE_FROM) {
      const h = new Sha256();
      h.update(data);
      return h.digest();
    }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
  }

  reset(): void {
    this.js?.reset();
    this.parts = [];
    this.size = 0;
  }
}
