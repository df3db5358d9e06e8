import { expect } from "vitest";
import { SSEDecoder } from "../../../../core/formats/sse.js";

export interface AnthropicEvent {
  type: string;
  [k: string]: any;
}

/** Anthropic SSE text → its events, each checked to carry its type in both the `event:` line and the data. */
export function parseEvents(text: string): AnthropicEvent[] {
  const d = new SSEDecoder();
  return [...d.pushText(text), ...d.flush()].map((ev) => {
    const data = JSON.parse(ev.data);
    expect(ev.event, `event line of ${ev.data}`).toBe(data.type);
    return data;
  });
}

const DELTA_FOR: Record<string, string> = { text: "text_delta", thinking: "thinking_delta", tool_use: "input_json_delta" };

/**
 * Asserts a valid Anthropic Messages event sequence: message_start first; blocks started with
 * indexes 0, 1, 2… one at a time, each delta of its block's kind and aimed at the open block, each
 * stopped before the next starts; one message_delta after the last block; message_stop last.
 * Pings may come anywhere after message_start. An error event may end the stream instead.
 */
export function expectValidSequence(events: AnthropicEvent[]) {
  expect(events[0]?.type).toBe("message_start");
  expect(events[0]!.message).toMatchObject({ type: "message", role: "assistant", content: [], stop_reason: null });
  let open: { index: number; kind: string } | undefined;
  let next = 0;
  let sawDelta = false;
  for (const [i, ev] of events.slice(1).entries()) {
    const last = i === events.length - 2;
    switch (ev.type) {
      case "ping":
        break;
      case "content_block_start":
        expect(sawDelta, "block after message_delta").toBe(false);
        expect(open, "block started while another is open").toBeUndefined();
        expect(ev.index).toBe(next++);
        expect(Object.keys(DELTA_FOR)).toContain(ev.content_block.type);
        open = { index: ev.index, kind: ev.content_block.type };
        break;
      case "content_block_delta":
        expect(open, "delta outside a block").toBeDefined();
        expect(ev.index).toBe(open!.index);
        expect(ev.delta.type).toBe(DELTA_FOR[open!.kind]);
        break;
      case "content_block_stop":
        expect(ev.index).toBe(open?.index);
        open = undefined;
        break;
      case "message_delta":
        expect(open, "message_delta with a block open").toBeUndefined();
        expect(sawDelta, "two message_delta events").toBe(false);
        expect(typeof ev.delta.stop_reason).toBe("string");
        expect(typeof ev.usage.output_tokens).toBe("number");
        sawDelta = true;
        break;
      case "message_stop":
        expect(sawDelta, "message_stop before message_delta").toBe(true);
        expect(last, "events after message_stop").toBe(true);
        break;
      case "error":
        expect(last, "events after error").toBe(true);
        return;
      default:
        throw new Error(`unexpected event ${ev.type}`);
    }
  }
  expect(events.at(-1)?.type).toBe("message_stop");
}

/** The message a client assembles from the events, as the SDK does. */
export function accumulate(events: AnthropicEvent[]) {
  const message = structuredClone(events[0]!.message);
  const json: string[] = [];
  for (const ev of events) {
    if (ev.type === "content_block_start") {
      message.content.push(structuredClone(ev.content_block));
      json.push("");
    } else if (ev.type === "content_block_delta") {
      const block = message.content[ev.index];
      if (ev.delta.type === "text_delta") block.text += ev.delta.text;
      else if (ev.delta.type === "thinking_delta") block.thinking += ev.delta.thinking;
      else json[ev.index] += ev.delta.partial_json;
    } else if (ev.type === "content_block_stop" && message.content[ev.index].type === "tool_use") {
      message.content[ev.index].input = json[ev.index] ? JSON.parse(json[ev.index]!) : {};
    } else if (ev.type === "message_delta") {
      Object.assign(message, ev.delta);
      Object.assign(message.usage, ev.usage);
    }
  }
  return message;
}
