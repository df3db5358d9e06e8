import { describe, expect, it } from "vitest";
import { capBody } from "../../../core/logs/body.js";

const bytes = (s: string) => new TextEncoder().encode(s).length;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe("capBody", () => {
  it("returns a body within the cap unchanged", () => {
    expect(capBody('{"a":1}', 7)).toEqual({ body: '{"a":1}', truncated: false });
    expect(capBody("", 0)).toEqual({ body: "", truncated: false });
    expect(capBody("Grüße", 7)).toEqual({ body: "Grüße", truncated: false });
  });

  it("cuts at the cap and appends nothing", () => {
    expect(capBody('{"text":"hello"}', 10)).toEqual({ body: '{"text":"h', truncated: true });
    expect(capBody("abc", 0)).toEqual({ body: "", truncated: true });
  });

  it("never cuts a character, whatever the cap: 1-, 2-, 3- and 4-byte characters", () => {
    const text = "aß東🌸b€😀";
    const size = bytes(text);
    for (let cap = 0; cap <= size + 2; cap++) {
      const { body, truncated } = capBody(text, cap);
      expect(bytes(body), `cap ${cap}`).toBeLessThanOrEqual(cap);
      expect(text.startsWith(body), `cap ${cap}`).toBe(true);
      expect(body, `cap ${cap}`).not.toMatch(loneSurrogate);
      expect(truncated, `cap ${cap}`).toBe(cap < size);
      // The longest prefix that fits: one more character would not.
      if (truncated) expect(bytes(text.slice(0, body.length + (text.codePointAt(body.length)! > 0xffff ? 2 : 1)))).toBeGreaterThan(cap);
    }
  });

  it("counts a lone surrogate as the replacement character it is written as", () => {
    const text = "a\ud800b";
    expect(capBody(text, 4)).toEqual({ body: "a\ud800", truncated: true });
    expect(capBody(text, 3)).toEqual({ body: "a", truncated: true });
    expect(capBody(text, 5)).toEqual({ body: text, truncated: false });
  });

  it("handles a long body without encoding more than the cap", () => {
    const text = "東".repeat(1_000_000);
    const { body, truncated } = capBody(text, 1000);
    expect(truncated).toBe(true);
    expect(body).toBe("東".repeat(333));
  });
});
