import { fromBase64, toBase64 } from "../formats/base64.js";
import type { Usage } from "../types.js";

/** One stored answer: what the client got, byte for byte, and what the call record needs on a hit. */
export interface CachedAnswer {
  status: number;
  /** The answer's own headers (content type and the provider's), without per-request ones. */
  headers: Record<string, string>;
  stream: boolean;
  provider?: string;
  model?: string;
  usage?: Usage;
  /** When it was stored, ms since the epoch. */
  storedAt: number;
  body: Uint8Array;
}

type Meta = Omit<CachedAnswer, "body"> & { b64?: true };

/** Entries longer than this are gzipped: answers compress 3–10× and DynamoDB bills per KB. */
const COMPRESS_FROM = 1024;
const PLAIN = "t";
const GZIP = "z";

/**
 * The stored text: `t` + the metadata's JSON + a newline + the body (as text, or base64 when it
 * is not UTF-8), or `z` + the base64 of that, gzipped.
 */
export async function encodeEntry(answer: CachedAnswer): Promise<string> {
  const { body, ...meta } = answer;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    (meta as Meta).b64 = true;
    text = toBase64(body);
  }
  const plain = `${JSON.stringify(meta)}\n${text}`;
  if (plain.length < COMPRESS_FROM) return PLAIN + plain;
  return GZIP + toBase64(await transform(new TextEncoder().encode(plain), new CompressionStream("gzip")));
}

/** The entry back; undefined for a value this version can't read (it is then a miss). */
export async function decodeEntry(value: string): Promise<CachedAnswer | undefined> {
  let plain: string;
  if (value.startsWith(GZIP)) plain = new TextDecoder().decode(await transform(fromBase64(value.slice(1)), new DecompressionStream("gzip")));
  else if (value.startsWith(PLAIN)) plain = value.slice(1);
  else return undefined;
  const nl = plain.indexOf("\n");
  if (nl < 0) return undefined;
  const { b64, ...meta } = JSON.parse(plain.slice(0, nl)) as Meta;
  const text = plain.slice(nl + 1);
  if (typeof meta.status !== "number" || typeof meta.headers !== "object") return undefined;
  return { ...meta, body: b64 ? fromBase64(text) : new TextEncoder().encode(text) };
}

async function transform(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}
