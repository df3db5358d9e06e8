import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../fixtures");

export const fixtureText = (path: string) => readFileSync(join(ROOT, path), "utf8");
export const fixtureBytes = (path: string) => new Uint8Array(readFileSync(join(ROOT, path)));
export const fixtureJson = <T = any>(path: string): T => JSON.parse(fixtureText(path));

/** An SSE transcript as its events, each with its blank line, so a mock can pace them. */
export const sseEvents = (text: string) => text.split(/(?<=\n\n)/).filter((e) => e.trim());
