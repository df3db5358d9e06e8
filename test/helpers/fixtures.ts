import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../fixtures");

export const fixtureText = (path: string) => readFileSync(join(ROOT, path), "utf8");
export const fixtureBytes = (path: string) => new Uint8Array(readFileSync(join(ROOT, path)));
export const fixtureJson = <T = any>(path: string): T => JSON.parse(fixtureText(path));

/** An SSE transcript as its events, each with its blank line, so a mock can pace them. */
export const sseEvents = (text: string) => text.split(/(?<=\n\n)/).filter((e) => e.trim());

/**
 * A recorded HTTP transcript: status line and headers, a blank line, the body. The headers come with
 * lower-case names, without connection and transfer-encoding (the mock server sets its own).
 */
export function fixtureTranscript(path: string): { status: number; headers: Record<string, string>; body: Buffer } {
  const text = fixtureText(path);
  const at = text.indexOf("\n\n");
  const [status, ...lines] = text.slice(0, at).split("\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    const k = l.slice(0, i).trim().toLowerCase();
    if (k !== "connection" && k !== "transfer-encoding") headers[k] = l.slice(i + 1).trim();
  }
  return { status: Number(status!.split(" ")[1]), headers, body: Buffer.from(text.slice(at + 2), "utf8") };
}

/** Bytes in pieces of `size`: frames and UTF-8 characters cut as a network would. */
export const inPieces = (b: Buffer, size: number) => Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
