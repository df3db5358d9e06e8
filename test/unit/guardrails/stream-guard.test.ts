/**
 * The output guardrails on streams, unit by unit: a TextWindow at every split, the ChunkGuard on
 * OpenAI chunks (content and tool arguments, the finish released last), the event guards on
 * Anthropic's and the Responses API's native events.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../core/config.js";
import type { GatewayError } from "../../../core/errors.js";
import type { SSEEvent } from "../../../core/formats/sse.js";
import type { Gateway } from "../../../core/gateway.js";
import { CallGuard } from "../../../core/guardrails/call-guard.js";
import { ChunkGuard } from "../../../core/guardrails/chunk-guard.js";
import { MessagesEventGuard, ResponsesEventGuard } from "../../../core/guardrails/event-guard.js";
import { Guardrails } from "../../../core/guardrails/policy.js";
import { TextWindow } from "../../../core/guardrails/text-window.js";
import { openAIStreamTranslator } from "../../../core/formats/openai-stream.js";
import type { StreamPart } from "../../../core/providers/types.js";
import type { GuardHit } from "../../../core/types.js";

const EMAIL = "jane.doe@example.com";
const TEXT = `Write to ${EMAIL} or to bob@example.org, thanks.`;
const REDACTED = "Write to [EMAIL] or to [EMAIL], thanks.";

function guardOf(rules: unknown[], windowChars = 32, hits: GuardHit[] = []) {
  const config = loadConfig({ guardrails: { policies: { p: { rules } }, apply: ["p"], windowChars } }, {});
  const set = new Guardrails(config.guardrails).forCall(undefined, undefined)!;
  return { guard: new CallGuard(set, hits, { clientHeaders: new Headers(), client: {} }), hits };
}

const redactPii = [{ name: "pii", type: "pii", detect: ["email"], action: "redact", on: "output" }];
const blockWord = [{ name: "word", type: "keywords", words: ["Falcon"], action: "block", on: "output" }];
const gw = {} as Gateway;

/** `text` cut at the given offsets. */
const cut = (text: string, cuts: number[]) => [...cuts, text.length].map((c, i, all) => text.slice(i ? all[i - 1] : 0, c));

function throughWindow(w: TextWindow, parts: string[]) {
  let out = "";
  for (const p of parts) out += w.push(p);
  return out + w.flush();
}

describe("TextWindow", () => {
  it("redacts a match split at every pair of offsets", () => {
    for (let a = 1; a < TEXT.length; a++) {
      for (let b = a; b < TEXT.length; b += 7) {
        const { guard } = guardOf(redactPii);
        expect(throughWindow(new TextWindow(guard.set.streamed, 32, guard), cut(TEXT, [a, b])), `${a},${b}`).toBe(REDACTED);
      }
    }
  });

  it("holds back no more than the window while nothing matches", () => {
    const { guard } = guardOf(redactPii);
    const w = new TextWindow(guard.set.streamed, 32, guard);
    let out = "";
    for (const ch of "x".repeat(100)) {
      out += w.push(ch);
      expect(out.length).toBeGreaterThanOrEqual(0);
    }
    expect(out.length).toBe(100 - 32);
    expect(w.flush()).toBe("x".repeat(32));
  });

  it("counts each match once, however the text was cut", () => {
    const { guard, hits } = guardOf(redactPii);
    throughWindow(new TextWindow(guard.set.streamed, 32, guard), [...TEXT]);
    expect(hits).toEqual([{ policy: "p", rule: "pii", stage: "output", action: "redact", count: 2, labels: ["EMAIL"] }]);
  });

  it("a block rule throws before any of the match is released", () => {
    const text = `${"a ".repeat(40)}the Falcon has landed`;
    for (let at = 1; at < text.length; at += 3) {
      const { guard } = guardOf(blockWord);
      const w = new TextWindow(guard.set.streamed, 32, guard);
      let out = "";
      let error: GatewayError | undefined;
      try {
        for (const p of cut(text, [at])) out += w.push(p);
        out += w.flush();
      } catch (e) {
        error = e as GatewayError;
      }
      expect(error?.code, `cut at ${at}`).toBe("guardrail_blocked");
      expect(out).not.toContain("Falcon");
    }
  });

  it("a pattern that keeps matching can't hold more than two windows", () => {
    const { guard } = guardOf([{ name: "all", type: "regex", patterns: ["[a-z]+"], action: "flag", on: "output" }]);
    const w = new TextWindow(guard.set.streamed, 16, guard);
    let out = "";
    for (const ch of "a".repeat(200)) out += w.push(ch);
    expect(200 - out.length).toBeLessThanOrEqual(32);
  });
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null, index = 0): StreamPart => ({ chunk: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index, delta, finish_reason: finish }] } });

function runChunks(guard: ChunkGuard, parts: StreamPart[]) {
  const out: StreamPart[] = [];
  for (const p of parts) out.push(...guard.push([p]));
  return out;
}

const content = (parts: StreamPart[]) => parts.map((p) => p.chunk.choices.map((c) => c.delta.content ?? "").join("")).join("");

describe("ChunkGuard", () => {
  it("redacts content at every split, releases the rest before the finish, keeps the finish last", async () => {
    for (let at = 1; at < TEXT.length; at++) {
      const { guard } = guardOf(redactPii);
      const g = new ChunkGuard(gw, guard);
      const parts = [chunk({ role: "assistant", content: "" }), ...cut(TEXT, [at]).map((t) => chunk({ content: t })), chunk({}, "stop")];
      const out = [...runChunks(g, parts), ...(await g.finish())];
      expect(content(out), `cut at ${at}`).toBe(REDACTED);
      expect(out.at(-1)!.chunk.choices[0]!.finish_reason).toBe("stop");
      expect(out[0]!.chunk.choices[0]!.delta.role).toBe("assistant");
    }
  });

  it("redacts tool-call arguments, keeping the call's id and name", async () => {
    const { guard } = guardOf(redactPii);
    const g = new ChunkGuard(gw, guard);
    const args = JSON.stringify({ to: EMAIL, body: "hello" });
    const parts = [
      chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "send", arguments: "" } }] }),
      ...cut(args, [5, 14, 20]).map((a) => chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] })),
      chunk({}, "tool_calls"),
    ];
    const out = [...runChunks(g, parts), ...(await g.finish())];
    const calls = out.flatMap((p) => p.chunk.choices.flatMap((c) => c.delta.tool_calls ?? []));
    expect(calls[0]).toMatchObject({ id: "call_1", function: { name: "send" } });
    expect(calls.map((c) => c.function?.arguments ?? "").join("")).toBe(JSON.stringify({ to: "[EMAIL]", body: "hello" }));
  });

  it("reads plain content chunks without parsing them, escapes and all, at every split", async () => {
    const text = `Say "hi" \\ to ${EMAIL} — ok? {"x": 1}`;
    const expected = `Say "hi" \\ to [EMAIL] — ok? {"x": 1}`;
    for (let at = 1; at < text.length; at++) {
      const { guard } = guardOf(redactPii);
      const g = new ChunkGuard(gw, guard);
      const t = openAIStreamTranslator();
      const raw = (delta: object, finish: string | null = null) => ({ data: JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] }) });
      const events = [raw({ role: "assistant", content: "" }), ...cut(text, [at]).map((c) => raw({ content: c })), raw({}, "stop")];
      const out: StreamPart[] = [];
      for (const e of events) out.push(...g.push(t.push(e)));
      out.push(...(await g.finish()));
      expect(content(out), `cut at ${at}`).toBe(expected);
      expect(out.some((p) => p.plain && p.raw!.includes("[EMAIL]")) || out.some((p) => !p.plain)).toBe(true);
    }
  });

  it("guards legacy completions chunks (text, no delta)", async () => {
    const { guard } = guardOf(redactPii);
    const g = new ChunkGuard(gw, guard);
    const legacy = (text: string, finish: string | null = null) => ({ chunk: { id: "c", object: "text_completion", created: 1, model: "m", choices: [{ index: 0, text, finish_reason: finish }] } }) as unknown as StreamPart;
    const out = [...runChunks(g, [...cut(TEXT, [9, 18]).map((t) => legacy(t)), legacy("", "stop")]), ...(await g.finish())];
    const choices = out.flatMap((p) => p.chunk.choices as unknown as Array<{ text: string; finish_reason: string | null }>);
    expect(choices.map((c) => c.text).join("")).toBe(REDACTED);
    expect(choices.at(-1)!.finish_reason).toBe("stop");
  });

  it("a stream that ends without a finish still releases what it held", async () => {
    const { guard } = guardOf(redactPii);
    const g = new ChunkGuard(gw, guard);
    const out = [...runChunks(g, [chunk({ content: "short" })]), ...(await g.finish())];
    expect(content(out)).toBe("short");
  });

  it("a size limit on the answer stops the stream once the released text passes it", async () => {
    const { guard, hits } = guardOf([{ name: "short", type: "size", maxChars: 40, action: "block", on: "output" }], 16);
    const g = new ChunkGuard(gw, guard);
    let sent = "";
    const error = await (async () => {
      for (const t of cut("x".repeat(100), [10, 20, 30, 40, 50, 60, 70, 80, 90])) sent += content(g.push([chunk({ content: t })]));
    })().catch((e) => e);
    expect(error?.code).toBe("guardrail_blocked");
    expect(sent.length).toBeLessThanOrEqual(40);
    expect(hits[0]).toMatchObject({ rule: "short", labels: ["SIZE"] });
  });

  it("a schema rule leaves an answer of tool calls alone: there is no text to read as JSON", async () => {
    const { guard } = guardOf([{ name: "schema", type: "json_schema", action: "block", on: "output" }]);
    guard.json = { schema: { type: "object" } };
    const g = new ChunkGuard(gw, guard);
    const out = [...runChunks(g, [chunk({ tool_calls: [{ index: 0, id: "c", type: "function", function: { name: "f", arguments: "{}" } }] }), chunk({}, "tool_calls")]), ...(await g.finish())];
    expect(out.at(-1)!.chunk.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("holds the finish while a whole-answer rule runs, and a failing one throws", async () => {
    const { guard } = guardOf([{ name: "schema", type: "json_schema", action: "block", on: "output" }]);
    guard.json = { schema: { type: "object", required: ["n"] } };
    const g = new ChunkGuard(gw, guard);
    const out = runChunks(g, [chunk({ content: '{"m":1}' }), chunk({}, "stop")]);
    expect(out.some((p) => p.chunk.choices.some((c) => c.finish_reason))).toBe(false);
    await expect(g.finish()).rejects.toMatchObject({ code: "guardrail_blocked" });
  });
});

const ev = (event: string, data: object): SSEEvent => ({ event, data: JSON.stringify({ type: event, ...data }) });

describe("event guards", () => {
  it("Anthropic events: text deltas redacted at every split, the held rest sent before content_block_stop", async () => {
    for (let at = 1; at < TEXT.length; at += 2) {
      const { guard } = guardOf(redactPii);
      const g = new MessagesEventGuard(gw, guard);
      const input = [
        ev("message_start", { message: {} }),
        ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
        ...cut(TEXT, [at]).map((text) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
        ev("content_block_stop", { index: 0 }),
        ev("message_delta", { delta: { stop_reason: "end_turn" } }),
        ev("message_stop", {}),
      ];
      const out = [...input.flatMap((e) => g.push(e)), ...(await g.finish())];
      const text = out.filter((e) => e.event === "content_block_delta").map((e) => JSON.parse(e.data).delta.text).join("");
      expect(text, `cut at ${at}`).toBe(REDACTED);
      expect(out.map((e) => e.event).slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    }
  });

  it("Responses events: deltas, the done events and response.completed carry the redacted text", async () => {
    const { guard } = guardOf(redactPii);
    const g = new ResponsesEventGuard(gw, guard);
    const item = { id: "m", type: "message", content: [{ type: "output_text", text: TEXT }] };
    const input = [
      ...cut(TEXT, [7, 19]).map((delta) => ev("response.output_text.delta", { output_index: 0, content_index: 0, delta })),
      ev("response.output_text.done", { output_index: 0, content_index: 0, text: TEXT }),
      ev("response.content_part.done", { output_index: 0, content_index: 0, part: item.content[0]! }),
      ev("response.output_item.done", { output_index: 0, item }),
      ev("response.completed", { response: { output: [item] } }),
    ];
    const out = [...input.flatMap((e) => g.push(e)), ...(await g.finish())];
    const all = out.map((e) => e.data).join("\n");
    expect(all).not.toContain(EMAIL);
    expect(out.filter((e) => e.event === "response.output_text.delta").map((e) => JSON.parse(e.data).delta).join("")).toBe(REDACTED);
    expect(JSON.parse(out.find((e) => e.event === "response.output_text.done")!.data).text).toBe(REDACTED);
    expect(g.completed).toMatchObject({ output: [{ content: [{ text: REDACTED }] }] });
  });

  it("Responses events: a text that came with no deltas is checked where it appears whole", async () => {
    const { guard } = guardOf(redactPii);
    const g = new ResponsesEventGuard(gw, guard);
    const call = { id: "f", type: "function_call", name: "send", arguments: JSON.stringify({ to: EMAIL }) };
    const item = { id: "m", type: "message", content: [{ type: "output_text", text: TEXT }] };
    const out = [ev("response.output_item.done", { output_index: 0, item }), ev("response.completed", { response: { output: [item, call] } })].flatMap((e) => g.push(e));
    expect(out.map((e) => e.data).join("\n")).not.toContain(EMAIL);
    expect(g.completed).toMatchObject({ output: [{ content: [{ text: REDACTED }] }, { arguments: JSON.stringify({ to: "[EMAIL]" }) }] });
  });
});
