import { Utf8Stream } from "./utf8-stream.js";

/**
 * Server-sent events, decoded incrementally. Bytes may be cut anywhere by the network: a
 * multi-byte character, a "\r\n" pair or a field name can arrive in two pieces.
 */
export interface SSEEvent {
  event?: string;
  data: string;
  id?: string;
}

export class SSEDecoder {
  private readonly text = new Utf8Stream();
  private line = "";
  private pendingCR = false;
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;

  /** Holds no part of an event: the next bytes start a new one (and the stream's start has been seen). */
  get idle(): boolean {
    return this.line === "" && this.data.length === 0 && this.event === undefined && !this.pendingCR && this.text.clean;
  }

  /** Feed bytes; returns the events completed by them. */
  push(bytes: Uint8Array): SSEEvent[] {
    return this.pushText(this.text.decode(bytes));
  }

  pushText(chunk: string): SSEEvent[] {
    if (!this.pendingCR && chunk.indexOf("\r") === -1) return this.pushLines(chunk);
    const out: SSEEvent[] = [];
    let start = 0;
    if (this.pendingCR && chunk.length > 0) {
      // A "\r\n" pair split across two pieces ends one line, not two.
      if (chunk.charCodeAt(0) === 10) start = 1;
      this.pendingCR = false;
    }
    for (let i = start; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line += chunk.slice(start, i);
      this.endLine(out);
      if (c === 13) {
        if (i + 1 < chunk.length) {
          if (chunk.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
    }
    if (start < chunk.length) this.line += chunk.slice(start);
    return out;
  }

  /** Text with "\n" line ends only (nearly every upstream's): lines found by indexOf, not char by char. */
  private pushLines(chunk: string): SSEEvent[] {
    const out: SSEEvent[] = [];
    let start = 0;
    for (let i = chunk.indexOf("\n"); i !== -1; i = chunk.indexOf("\n", start)) {
      this.line += chunk.slice(start, i);
      this.endLine(out);
      start = i + 1;
    }
    if (start < chunk.length) this.line += chunk.slice(start);
    return out;
  }

  /** At the end of the stream: an event that lacked its closing blank line is still delivered. */
  flush(): SSEEvent[] {
    const out: SSEEvent[] = [];
    const rest = this.text.end();
    if (rest) this.pushText(rest).forEach((e) => out.push(e));
    if (this.line) this.endLine(out);
    this.dispatch(out);
    return out;
  }

  private endLine(out: SSEEvent[]) {
    const line = this.line;
    this.line = "";
    if (line === "") return this.dispatch(out);
    if (line.charCodeAt(0) === 58 /* ":" comment */) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id") this.id = value;
  }

  private dispatch(out: SSEEvent[]) {
    if (this.data.length > 0) {
      const ev: SSEEvent = { data: this.data.join("\n") };
      if (this.event !== undefined) ev.event = this.event;
      if (this.id !== undefined) ev.id = this.id;
      out.push(ev);
    }
    this.data = [];
    this.event = undefined;
  }
}

export function encodeSSE(data: string, event?: string): string {
  const lines = data.includes("\n") ? data.split("\n").map((l) => `data: ${l}`).join("\n") : `data: ${data}`;
  return event ? `event: ${event}\n${lines}\n\n` : `${lines}\n\n`;
}
