/** What guardrails read of each wire format: every text a model reads or writes, nothing else, rewritten in place. */
import { describe, expect, it } from "vitest";
import { answerText, visitAnswer, visitPrompt, type PromptFormat } from "../../../core/guardrails/text-fields.js";

const texts = (format: PromptFormat, body: unknown, visit = visitPrompt) => {
  const out: Array<[string, number]> = [];
  visit(format, body, (t, m) => void out.push([t, m]));
  return out;
};

describe("prompt text", () => {
  it("chat: string and part contents, tool-call arguments (legacy function_call too), not names or images", () => {
    const body = {
      model: "m",
      messages: [
        { role: "system", content: "sys" },
        { role: "user", name: "bob", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "data:x" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
        { role: "assistant", function_call: { name: "g", arguments: "{}" } },
        { role: "tool", tool_call_id: "c1", content: "result" },
      ],
    };
    expect(texts("chat", body)).toEqual([["sys", 0], ["hi", 1], ['{"a":1}', 2], ["{}", 3], ["result", 4]]);
  });

  it("anthropic: system blocks, text, tool_use input leaves, tool results, text documents; not thinking", () => {
    const body = {
      system: [{ type: "text", text: "sys" }],
      messages: [
        { role: "user", content: [{ type: "text", text: "a" }, { type: "document", source: { type: "text", media_type: "text/plain", data: "doc" } }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "secret", signature: "s" }, { type: "tool_use", id: "t", name: "f", input: { q: "x", deep: [{ v: "y" }] } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: "r" }] },
      ],
    };
    expect(texts("anthropic", body).map(([t]) => t)).toEqual(["sys", "a", "doc", "x", "y", "r"]);
  });

  it("responses: instructions, string input or items, function calls and their outputs", () => {
    expect(texts("responses", { instructions: "be nice", input: "hi" })).toEqual([["be nice", 0], ["hi", 1]]);
    const items = [
      { role: "user", content: [{ type: "input_text", text: "q" }] },
      { type: "function_call", call_id: "c", name: "f", arguments: "{}" },
      { type: "function_call_output", call_id: "c", output: "out" },
      { type: "reasoning", summary: [{ type: "summary_text", text: "no" }] },
    ];
    expect(texts("responses", { input: items }).map(([t]) => t)).toEqual(["q", "{}", "out"]);
  });

  it("completions and embeddings: a string or a list of strings (token arrays are not text)", () => {
    expect(texts("completions", { prompt: ["a", "b", [1, 2]] })).toEqual([["a", 0], ["b", 1]]);
    expect(texts("embeddings", { input: "x" })).toEqual([["x", 0]]);
  });

  it("rewrites in place, and reads tool input as deep as any accepted body", () => {
    let deep: Record<string, unknown> = { leaf: "secret" };
    for (let i = 0; i < 120; i++) deep = { d: deep };
    const body = { messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input: deep }] }] };
    visitPrompt("anthropic", body, (t) => t.toUpperCase());
    expect(JSON.stringify(body)).toContain('"leaf":"SECRET"');
  });

  it("ignores bodies that are not the shape (no throw)", () => {
    for (const body of [null, 1, "x", [], { messages: "nope" }, { messages: [null, 1, { content: 5 }] }]) expect(texts("chat", body)).toEqual([]);
  });
});

describe("answer text", () => {
  it("each format's text and tool arguments, and its main text for a JSON check", () => {
    const chat = { choices: [{ index: 0, message: { role: "assistant", content: "hello", tool_calls: [{ function: { name: "f", arguments: "{}" } }] } }] };
    expect(texts("chat", chat, visitAnswer)).toEqual([["hello", 0], ["{}", 0]]);
    expect(answerText("chat", chat)).toBe("hello");
    const msg = { content: [{ type: "text", text: "a" }, { type: "tool_use", input: { x: "b" } }, { type: "text", text: "c" }] };
    expect(texts("anthropic", msg, visitAnswer).map(([t]) => t)).toEqual(["a", "b", "c"]);
    expect(answerText("anthropic", msg)).toBe("ac");
    const resp = { output: [{ type: "message", content: [{ type: "output_text", text: "r" }] }, { type: "function_call", arguments: "{}" }] };
    expect(texts("responses", resp, visitAnswer).map(([t]) => t)).toEqual(["r", "{}"]);
    expect(answerText("responses", resp)).toBe("r");
    expect(texts("completions", { choices: [{ text: "t" }] }, visitAnswer)).toEqual([["t", 0]]);
  });
});
