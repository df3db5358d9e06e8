/** The store a cluster worker reaches through its primary (functions/node/ipc-store.ts). */
import { fork } from "node:child_process";
import { join } from "node:path";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { memoryStore } from "../../core/store/memory.js";
import { ResponseTooLargeError, StoreUnavailableError, type Store } from "../../core/store/types.js";
import { type Channel, ipcStore, serveStore } from "../../functions/node/ipc-store.js";
import { describeStoreContract } from "../store/contract.js";

/** One end of a MessageChannel in a cluster channel's shape: every message is structured-cloned, as with serialization "advanced". */
function channelOf(port: MessagePort): Channel {
  port.unref();
  return {
    send: (message, callback) => (port.postMessage(message), callback(null)),
    on: (event: string, listener: (m: unknown) => void) => port.on(event === "disconnect" ? "close" : event, listener),
    off: (event: string, listener: (m: unknown) => void) => port.off(event === "disconnect" ? "close" : event, listener),
  } as Channel;
}

const ports: MessagePort[] = [];
function served(store: Store, opts?: { timeoutMs?: number }): Promise<Store> {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  serveStore(store, channelOf(port1));
  return ipcStore(channelOf(port2), opts);
}
afterEach(() => ports.splice(0).forEach((p) => p.close()));

describeStoreContract("ipc (a worker through its primary, on memory)", (now) => served(memoryStore({ now })));

const FIXTURE = join(import.meta.dirname, "../fixtures/node/serve-memory-store.ts");

describe("ipcStore over a forked primary", () => {
  it("carries calls, describes the store, and brings errors back as their classes", async () => {
    const child = fork(FIXTURE, { execArgv: ["--import", "tsx"], serialization: "advanced", stdio: "inherit" });
    try {
      const store = await ipcStore(child as unknown as Channel);
      expect(store.kind).toBe("memory");
      expect(store.cache.maxValueBytes).toBe(25 * 1024 * 1024);
      expect(store.logs).toBeDefined();
      const w = Math.floor(Date.now() / 60_000) * 60_000;
      expect(await store.limits.hit("rpm:k", w, 60_000, 1, 1)).toEqual({ allowed: true, count: 1 });
      expect(await store.limits.hit("rpm:k", w, 60_000, 1, 1)).toEqual({ allowed: false, count: 1 });
      expect(await store.keys.getById("key_missing")).toBeNull();

      const tooLarge = await store.responses.put({ id: "r", tenant: "t", createdAt: 0, response: "x".repeat(64), items: "[]" }, 60).catch((e) => e);
      expect(tooLarge).toBeInstanceOf(ResponseTooLargeError);
      expect(tooLarge).toMatchObject({ bytes: 66, maxBytes: 32 });

      const down = await store.keys.getByHash("throttled").catch((e) => e);
      expect(down).toBeInstanceOf(StoreUnavailableError);
      expect(down).toMatchObject({ code: "ProvisionedThroughputExceededException", throttled: true });

      const plain = await store.usage.query({ keyId: "broken" }).catch((e) => e);
      expect(plain).toBeInstanceOf(Error);
      expect(plain).not.toBeInstanceOf(StoreUnavailableError);
      expect(plain.message).toBe("the usage table is broken");

      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      const gone = await store.keys.getById("key_any").catch((e) => e);
      expect(gone).toBeInstanceOf(StoreUnavailableError);
      expect(gone.code).toBe("PrimaryGone");
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("ipcStore's bound", () => {
  it("fails a call closed with a StoreUnavailableError when the primary stops answering", async () => {
    const real = memoryStore();
    const stuck: Store = { ...real, limits: { ...real.limits, hit: () => new Promise(() => {}) } };
    const store = await served(stuck, { timeoutMs: 200 });
    const started = Date.now();
    const err = await store.limits.hit("rpm:k", 0, 60_000, 1, 10).catch((e) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.code).toBe("PrimaryTimeout");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("reaches only the Store's methods", async () => {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    serveStore(memoryStore(), channelOf(port1));
    const answer = new Promise((r) => port2.once("message", r));
    port2.postMessage({ tag: "strait.store", id: 1, op: "keys.constructor", args: [] });
    expect(await answer).toMatchObject({ id: 1, error: { message: "the store has no operation keys.constructor" } });
  });
});
