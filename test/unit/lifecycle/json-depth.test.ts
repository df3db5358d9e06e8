import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../../core/lifecycle/validate.js";

/** The plain definition: every character read, strings tracked with their escapes. */
function reference(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") {
      if (++depth > max) return true;
    } else if (c === "}" || c === "]") depth--;
  }
  return false;
}

/** A deterministic pseudo-random generator, so a failure replays. */
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe("nestsDeeperThan", () => {
  it("counts brackets outside strings only, escapes included", () => {
    expect(nestsDeeperThan('{"a":"[[[[[[","b":[[1]]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\"[[[[","b":[[1]]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\\\","b":[[[1]]]}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":"\\\\\\"[[[[","b":1}', 1)).toBe(false);
    expect(nestsDeeperThan(`{"x":${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}}`, MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(`${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`, MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan('{"unterminated": "[[[[', 1)).toBe(false);
  });

  it("agrees with the character-by-character definition on 5,000 random texts", () => {
    const next = rng(42);
    const alphabet = ['"', "\\", "[", "]", "{", "}", "a", ",", ":", " "];
    for (let n = 0; n < 5000; n++) {
      const length = Math.floor(next() * 60);
      let text = "";
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
      const max = Math.floor(next() * 5);
      expect(nestsDeeperThan(text, max), JSON.stringify({ text, max })).toBe(reference(text, max));
    }
  });

  it("skips a long prompt's strings natively: a 1 MB body in milliseconds", () => {
    const body = JSON.stringify({ model: "m", messages: Array.from({ length: 200 }, () => ({ role: "user", content: 'some [code] {here} \\" quoted '.repeat(200) })) });
    const started = performance.now();
    expect(nestsDeeperThan(body, MAX_JSON_DEPTH)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
    expect(body.length).toBeGreaterThan(1_000_000);
  });
});
