import type { FrameDecoder } from "./framing.js";
import { Utf8Stream } from "./utf8-stream.js";

const OPEN_OBJECT = 123; // {
const CLOSE_OBJECT = 125; // }
const OPEN_ARRAY = 91; // [
const CLOSE_ARRAY = 93; // ]
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The elements of a JSON array sent bit by bit (Gemini's streamGenerateContent without alt=sse),
 * each as its JSON text once its last byte arrived. Only the element being read is held. Elements
 * that are not objects or arrays are skipped; so is anything after the array's closing bracket.
 */
export class JsonArrayDecoder implements FrameDecoder<string> {
  private readonly text = new Utf8Stream();
  /** The unfinished element's text so far. */
  private element = "";
  /** Nesting inside the outer array: 0 between elements. */
  private depth = 0;
  private state: "before" | "inside" | "after" = "before";
  private inString = false;
  private escaped = false;

  push(bytes: Uint8Array): string[] {
    return this.scan(this.text.decode(bytes));
  }

  /** An element still open at the end was cut: it is dropped. */
  flush(): string[] {
    const out = this.scan(this.text.end());
    this.element = "";
    return out;
  }

  private scan(chunk: string): string[] {
    const out: string[] = [];
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length && this.state !== "after"; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
      } else if (this.state === "before") {
        if (c === OPEN_ARRAY) this.state = "inside";
      } else if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.depth++ === 0) start = i;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (this.depth === 0) {
          this.state = "after";
        } else if (--this.depth === 0) {
          out.push(this.element + chunk.slice(start, i + 1));
          this.element = "";
          start = -1;
        }
      }
    }
    if (start >= 0) this.element += chunk.slice(start);
    return out;
  }
}
