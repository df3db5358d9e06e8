import { EventEmitter } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { Agent, request } from "undici";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Cancel } from "../../core/cancel.js";

describe("Cancel", () => {
  it("calls each listener once, in order, and none after it stopped listening", () => {
    const c = new Cancel();
    const seen: string[] = [];
    c.onAbort(() => seen.push("a"));
    const stop = c.onAbort(() => seen.push("b"));
    c.on("abort", () => seen.push("c"));
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

  it("has an EventEmitter's shape and no EventTarget's, which is how undici tells them apart", () => {
    const c = new Cancel();
    expect("addEventListener" in c).toBe(false);
    expect(typeof c.on).toBe("function");
    expect(typeof c.once).toBe("function");
    expect(typeof c.removeListener).toBe("function");
    expect(new EventEmitter()).toBeInstanceOf(EventEmitter); // the shape undici also accepts
  });

  it("aborts an undici request in flight, and leaves no listener behind after a normal answer", async () => {
    const server = createServer((req, res) => (req.url === "/slow" ? undefined : res.end("ok")));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agent = new Agent();
    try {
      const done = new Cancel();
      const ok = await request(`${url}/fast`, { dispatcher: agent, signal: done as unknown as EventEmitter });
      expect(await ok.body.text()).toBe("ok");
      await new Promise((r) => setImmediate(r)); // undici lets go of the signal on the body's close
      expect((done as unknown as { listeners?: unknown[] }).listeners ?? []).toHaveLength(0);

      const cancel = new Cancel();
      const pending = request(`${url}/slow`, { dispatcher: agent, signal: cancel as unknown as EventEmitter });
      setTimeout(() => cancel.abort(), 50);
      await expect(pending).rejects.toThrow();
    } finally {
      await agent.destroy();
      server.closeAllConnections();
      server.close();
    }
  });
});
