import { describe, expect, it } from "vitest";
import { editedText, withMembers } from "../../../core/formats/json-text.js";

const TEXTS = [
  '{"model":"openai/gpt-4o","messages":[{"role":"user","content":"hi"}]}',
  ' {\n  "messages" : [ {"role":"user","content":"a \\"quoted\\" {brace} [bracket] \\\\"} ],\n  "model" : "m" ,"n":1 }\n',
  '{"model":"m","stream":true,"stop":null,"temperature":0.5,"seed":-1e3,"nested":{"model":"inner","deep":[[{"a":"}"}]]}}',
  '{"messages":[],"model":"m","stream_options":{"include_usage":false}}',
  '{"é":"ü😀","model":"m"}',
  "{}",
];

describe("withMembers", () => {
  it("gives the object with the members set, whatever the spacing, nesting and strings around them", () => {
    for (const text of TEXTS) {
      for (const members of [{ model: "gpt-4o" }, { model: "x", stream_options: { include_usage: true } }, { added: [1, { b: "}" }] }]) {
        const out = withMembers(text, members);
        expect(out, text).toBeDefined();
        expect(JSON.parse(out!)).toEqual({ ...JSON.parse(text), ...members });
      }
    }
  });

  it("touches only the members it sets: the rest of the text stays byte for byte (numbers JSON.parse would round, too)", () => {
    const text = '{"seed": 12345678901234567890, "model":"openai/m", "messages":[{"role":"user","content":"\\u00e9"}]}';
    expect(withMembers(text, { model: "m" })).toBe('{"seed": 12345678901234567890, "model":"m", "messages":[{"role":"user","content":"\\u00e9"}]}');
  });

  it("leaves to the caller a text it can't edit safely: an escaped or repeated key, or not an object", () => {
    expect(withMembers('{"mod\\u0065l":"a","model":"b"}', { model: "c" })).toBeUndefined();
    expect(withMembers('{"model":"a","model":"b"}', { model: "c" })).toBeUndefined();
    expect(withMembers('["model"]', { model: "c" })).toBeUndefined();
    expect(withMembers('"model"', { model: "c" })).toBeUndefined();
  });
});

describe("editedText", () => {
  const text = '{"model":"openai/gpt-4o", "messages":[{"role":"user","content":"hi"}], "big": 12345678901234567890}';
  const parsed = JSON.parse(text);

  it("rewrites only the members a spread copy changed or added", () => {
    const edited = { ...parsed, model: "gpt-4o", stream_options: { include_usage: true } };
    const out = editedText(text, parsed, edited);
    expect(out).toContain('"big": 12345678901234567890');
    expect(JSON.parse(out)).toEqual(edited);
  });

  it("serialises anew a copy that dropped a member or set one to undefined", () => {
    const { model: _, ...dropped } = parsed;
    expect(editedText(text, parsed, dropped)).toBe(JSON.stringify(dropped));
    const unset = { ...parsed, model: undefined };
    expect(editedText(text, parsed, unset)).toBe(JSON.stringify(unset));
  });

  it("never lets a __proto__ member change the object's prototype", () => {
    const t = '{"__proto__":{"polluted":true},"model":"a"}';
    const p = JSON.parse(t);
    const out = editedText(t, p, { ...p, model: "b" });
    expect(JSON.parse(out)).toEqual({ ...p, model: "b" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
