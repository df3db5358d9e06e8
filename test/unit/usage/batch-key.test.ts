import { describe, expect, it } from "vitest";
import { batchKeys } from "../../../core/usage/batch-key.js";

describe("batchKeys", () => {
  it("joins the parts with NUL, so no part can run into the next", () => {
    const key = batchKeys();
    expect(key("a", "b", "c", "d")).toBe("a\u0000b\u0000c\u0000d");
    expect(key("a/b", "c", "d", "e")).not.toBe(key("a", "b/c", "d", "e"));
  });

  it("gives the same string while the parts repeat, and a new one when any changes", () => {
    const key = batchKeys();
    const first = key("key_1", "2026-11-30", "openai", "gpt-4o-mini");
    expect(key("key_1", "2026-11-30", "openai", `gpt-4o-${"mini"}`)).toBe(first);
    for (const changed of [
      key("key_2", "2026-11-30", "openai", "gpt-4o-mini"),
      key("key_1", "2026-12-01", "openai", "gpt-4o-mini"),
      key("key_1", "2026-11-30", "azure", "gpt-4o-mini"),
      key("key_1", "2026-11-30", "openai", "gpt-4o"),
    ]) {
      expect(changed).not.toBe(first);
    }
    expect(key("key_1", "2026-11-30", "openai", "gpt-4o")).toBe("key_1\u00002026-11-30\u0000openai\u0000gpt-4o");
  });
});
