import { describe, expect, it } from "vitest";
import { Breakers } from "../../../core/upstream/breaker.js";

describe("circuit breakers", () => {
  const make = () => {
    let now = 1_000_000;
    const b = new Breakers({ failures: 3, windowMs: 10_000, cooldownMs: 5_000 }, () => now);
    return { b, tick: (ms: number) => (now += ms) };
  };

  it("opens after `failures` failures within the window, and only then", () => {
    const { b, tick } = make();
    b.failure("openai/gpt");
    b.failure("openai/gpt");
    tick(10_001); // the first two leave the window
    b.failure("openai/gpt");
    b.failure("openai/gpt");
    expect(b.allows("openai/gpt")).toBe(true);
    b.failure("openai/gpt");
    expect(b.allows("openai/gpt")).toBe(false);
    expect(b.allows("openai/other")).toBe(true);
    expect(b.view()).toEqual([{ target: "openai/gpt", state: "open", failures: 0, retryAt: new Date(1_000_000 + 10_001 + 5_000).toISOString() }]);
  });

  it("lets one probe through after the cool-down: success closes, failure reopens", () => {
    const { b, tick } = make();
    for (let i = 0; i < 3; i++) b.failure("t");
    tick(5_000);
    expect(b.view()[0]!.state).toBe("half-open");
    expect(b.allows("t")).toBe(true); // the probe
    expect(b.allows("t")).toBe(false); // others wait for its verdict
    b.failure("t");
    expect(b.allows("t")).toBe(false);
    tick(5_000);
    expect(b.allows("t")).toBe(true);
    b.success("t");
    expect(b.allows("t")).toBe(true);
    expect(b.view()).toEqual([]);
  });

  it("a probe that ends without a verdict lets the next request probe", () => {
    const { b, tick } = make();
    for (let i = 0; i < 3; i++) b.failure("t");
    tick(5_000);
    expect(b.allows("t")).toBe(true);
    b.release("t");
    expect(b.allows("t")).toBe(true);
  });

  it("says how long until the soonest target takes a probe", () => {
    const { b, tick } = make();
    for (let i = 0; i < 3; i++) b.failure("a");
    tick(1_000);
    for (let i = 0; i < 3; i++) b.failure("b");
    expect(b.waitMs(["a", "b"])).toBe(4_000);
  });

  it("is off with 0 failures", () => {
    const b = new Breakers({ failures: 0, windowMs: 1000, cooldownMs: 1000 });
    for (let i = 0; i < 10; i++) b.failure("t");
    expect(b.enabled).toBe(false);
    expect(b.allows("t")).toBe(true);
  });
});
