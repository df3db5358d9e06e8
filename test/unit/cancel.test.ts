import { describe, expect, it, vi } from "vitest";
import { Cancel } from "../../core/cancel.js";

describe("Cancel", () => {
  it("calls each listener once, in order, and none after it stopped listening", () => {
    const c = new Cancel();
    const seen: string[] = [];
    c.onAbort(() => seen.push("a"));
    const stop = c.onAbort(() => seen.push("b"));
    c.onAbort(() => seen.push("c"));
    stop();
    c.abort("why");
    c.abort("again");
    expect(seen).toEqual(["a", "c"]);
    expect(c.aborted).toBe(true);
    expect(c.reason).toBe("why");
  });

  it("calls a listener added after the abort at once", () => {
    const c = new Cancel();
    c.abort();
    const fn = vi.fn();
    c.onAbort(fn);
    expect(fn).toHaveBeenCalledOnce();
    expect(c.reason).toBeInstanceOf(DOMException);
  });

  it("makes its AbortSignal only when asked, aborted with the same reason, before or after", () => {
    const early = new Cancel();
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    early.abort("gone");
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe("gone");
    const late = new Cancel();
    late.abort("late");
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe("late");
  });

  it("follows a platform signal, already aborted or aborting later", () => {
    const ac = new AbortController();
    const c = Cancel.of(ac.signal);
    expect(c.aborted).toBe(false);
    ac.abort("deadline");
    expect(c.aborted).toBe(true);
    expect(c.reason).toBe("deadline");
    expect(Cancel.of(AbortSignal.abort("x")).reason).toBe("x");
    expect(Cancel.of(undefined).aborted).toBe(false);
  });
});
