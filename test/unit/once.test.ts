import { describe, expect, it, vi } from "vitest";
import { once } from "../../core/once.js";

describe("once", () => {
  it("builds on the first call only, and returns the same value after", () => {
    const build = vi.fn(() => ({ built: true }));
    const get = once(build);
    expect(build).not.toHaveBeenCalled();
    const first = get();
    expect(get()).toBe(first);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("keeps a falsy value rather than building again", () => {
    const build = vi.fn(() => undefined);
    const get = once(build);
    get();
    get();
    expect(build).toHaveBeenCalledTimes(1);
  });
});
