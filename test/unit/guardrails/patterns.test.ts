import { describe, expect, it } from "vitest";
import { escapeRegExp, keywordDetector, regexDetector } from "../../../core/guardrails/detectors/patterns.js";
import type { Detector } from "../../../core/guardrails/types.js";

const found = (detector: Detector, text: string) => detector(text).map((f) => [text.slice(f.start, f.end), f.start, f.label]);

describe("regexDetector", () => {
  it("ignores case unless told not to, and labels REDACTED unless given a label", () => {
    expect(regexDetector(["order #\\d+"])("Re: ORDER #42.")).toEqual([{ start: 4, end: 13, label: "REDACTED" }]);
    expect(regexDetector(["order #\\d+"], { caseSensitive: true })("Re: ORDER #42.")).toEqual([]);
    expect(found(regexDetector(["order #\\d+"], { caseSensitive: true, label: "ORDER" }), "order #1, ORDER #2, order #3")).toEqual([
      ["order #1", 0, "ORDER"],
      ["order #3", 20, "ORDER"],
    ]);
  });

  it("runs every pattern, and returns findings sorted with overlaps merged", () => {
    const detector = regexDetector(["world", "lo wo", "h\\w+"]);
    expect(found(detector, "hello world, hi")).toEqual([
      ["hello world", 0, "REDACTED"],
      ["hi", 13, "REDACTED"],
    ]);
  });

  it("keeps each pattern's own groups and backreferences", () => {
    expect(found(regexDetector(["(\\w)\\1", "x(y)\\1"]), "aa xyy b")).toEqual([
      ["aa", 0, "REDACTED"],
      ["xyy", 3, "REDACTED"],
    ]);
  });

  it("compiles with the u flag: \\p{…} classes work and an astral character is one character", () => {
    expect(found(regexDetector(["\\p{Lu}{3}"], { caseSensitive: true }), "abc DEF")).toEqual([["DEF", 4, "REDACTED"]]);
    expect(found(regexDetector(["x.x"]), "x😀x")).toEqual([["x😀x", 0, "REDACTED"]]);
  });

  it("skips empty matches without looping, astral characters included", () => {
    expect(regexDetector(["x*"])("abc")).toEqual([]);
    expect(found(regexDetector(["x*"]), "axxb")).toEqual([["xx", 1, "REDACTED"]]);
    expect(regexDetector(["(?:)", "^", "\\b", "(?=a)"])("😀a😀 b")).toEqual([]);
  });

  it("throws a plain Error naming a pattern that does not compile", () => {
    expect(() => regexDetector(["ok", "(unclosed"])).toThrowError(/guardrail regex "\(unclosed" does not compile/);
    expect(() => regexDetector(["\\-"])).toThrowError(Error);
  });

  it("refuses patterns longer than 1000 characters", () => {
    expect(() => regexDetector(["a".repeat(1000)])).not.toThrow();
    expect(() => regexDetector(["a".repeat(1001)])).toThrowError(/1001 characters long; the limit is 1000/);
  });

  it("with no patterns, finds nothing", () => {
    expect(regexDetector([])("anything")).toEqual([]);
  });
});

describe("keywordDetector", () => {
  it("finds words and phrases, case ignored by default, labelled REDACTED", () => {
    expect(keywordDetector(["project falcon"])("About Project Falcon: go.")).toEqual([{ start: 6, end: 20, label: "REDACTED" }]);
    expect(keywordDetector(["project falcon"], { caseSensitive: true })("About Project Falcon")).toEqual([]);
    expect(found(keywordDetector(["Falcon"], { caseSensitive: true, label: "CODENAME" }), "falcon Falcon")).toEqual([["Falcon", 7, "CODENAME"]]);
  });

  it("matches whole words by default, in any script", () => {
    const cafe = keywordDetector(["café"]);
    expect(found(cafe, "un café noir, CAFÉ!")).toEqual([
      ["café", 3, "REDACTED"],
      ["CAFÉ", 14, "REDACTED"],
    ]);
    expect(cafe("cafés")).toEqual([]);
    expect(keywordDetector(["cat"])("concatenate cat2 cats")).toEqual([]);
    expect(found(keywordDetector(["cat"]), "cat, (cat) cat_x")).toEqual([
      ["cat", 0, "REDACTED"],
      ["cat", 6, "REDACTED"],
      ["cat", 11, "REDACTED"],
    ]);
    expect(keywordDetector(["cafe"])("cafe\u0301")).toEqual([]);
    expect(found(keywordDetector(["москва"]), "Город Москва.")).toEqual([["Москва", 6, "REDACTED"]]);
  });

  it("with wholeWords false, matches inside words too", () => {
    expect(found(keywordDetector(["cat"], { wholeWords: false }), "concatenate")).toEqual([["cat", 3, "REDACTED"]]);
  });

  it("prefers the longest word at a position", () => {
    expect(found(keywordDetector(["new york", "new york city"]), "new york city hall")).toEqual([["new york city", 0, "REDACTED"]]);
    expect(found(keywordDetector(["new york city", "new york"]), "new york state")).toEqual([["new york", 0, "REDACTED"]]);
  });

  it("escapes regex syntax in the words, and boundaries work beside symbols", () => {
    const detector = keywordDetector(["C++", "a.b", "(x)", "50%", "a-b", "[]"]);
    expect(found(detector, "I like C++. a.b axb (x) 50% a-b []")).toEqual([
      ["C++", 7, "REDACTED"],
      ["a.b", 12, "REDACTED"],
      ["(x)", 20, "REDACTED"],
      ["50%", 24, "REDACTED"],
      ["a-b", 28, "REDACTED"],
      ["[]", 32, "REDACTED"],
    ]);
    expect(new RegExp(escapeRegExp("^$\\.*+?()[]{}|/-"), "u").test("^$\\.*+?()[]{}|/-")).toBe(true);
  });

  it("ignores blank words; with none left, finds nothing", () => {
    expect(keywordDetector([])("anything")).toEqual([]);
    expect(keywordDetector(["", "  "])("a  b")).toEqual([]);
    expect(found(keywordDetector(["", "b"]), "a b")).toEqual([["b", 2, "REDACTED"]]);
  });
});
