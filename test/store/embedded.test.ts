/** The embedded store of `npm start`: dynalite on a data folder, surviving a restart. */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/runtime.js";
import { createTables, tableNamesFromEnv } from "../../core/store/dynamodb/tables.js";
import { createNodeStore, startDynalite } from "../../functions/node/store.js";
import { keyRecord, logEntry } from "./contract.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "strait-store-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("embedded store (STRAIT_STORE unset)", () => {
  it("keeps keys, usage, counters, analytics and the request log across a restart on the same folder", async () => {
    const env = { STRAIT_DATA_DIR: tempDir() };
    const first = await createNodeStore(env, silentLogger);
    expect(first.description).toContain(env.STRAIT_DATA_DIR);
    const rec = keyRecord({ name: "alice", rpm: 60 });
    await first.store.keys.put(rec);
    await first.store.usage.add({ keyId: rec.id, day: "2026-11-21", model: "mock/echo", requests: 1, cacheHits: 1, tokensIn: 5, tokensOut: 7, costMicros: 12 });
    const w = Math.floor(Date.now() / 60_000) * 60_000;
    await first.store.limits.add(`spend:${rec.id}`, w, 60_000, 12);
    const entry = logEntry(Date.now(), { keyId: rec.id, requestBody: "q", responseBody: "a" });
    await first.store.logs!.put([entry]);
    const hour = { hour: "2026-11-21T09", keyId: rec.id, provider: "mock", model: "echo", requests: 1, errors4xx: 0, errors5xx: 0, cacheHits: 0, tokensIn: 5, tokensOut: 7, tokensCached: 0, costMicros: 12 };
    await first.store.analytics!.add({ ...hour, latency: { "10": 1 }, ttfb: { "5": 1 } });
    await first.close();

    const second = await createNodeStore(env, silentLogger);
    try {
      expect(await second.store.keys.getByHash(rec.hash)).toEqual(rec);
      expect(await second.store.usage.query({ keyId: rec.id })).toEqual([
        { keyId: rec.id, day: "2026-11-21", model: "mock/echo", requests: 1, cacheHits: 1, tokensIn: 5, tokensOut: 7, costMicros: 12 },
      ]);
      expect(await second.store.limits.get(`spend:${rec.id}`, w)).toBe(12);
      expect(await second.store.logs!.list({ keyId: rec.id })).toEqual({ items: [entry] });
      expect(await second.store.analytics!.query({ from: hour.hour, to: hour.hour })).toEqual([{ ...hour, latency: { "10": 1 }, ttfb: { "5": 1 } }]);
      expect((await second.store.usage.query({})).map((r) => r.keyId)).toEqual([rec.id]);
    } finally {
      await second.close();
    }
  });

  it("refuses a data folder another process holds, with a clear message", async () => {
    const env = { STRAIT_DATA_DIR: tempDir() };
    const first = await createNodeStore(env, silentLogger);
    try {
      await expect(createNodeStore(env, silentLogger)).rejects.toThrow(/in use by another process/);
    } finally {
      await first.close();
    }
  });
});

describe("STRAIT_STORE", () => {
  it("memory: an in-memory store", async () => {
    const s = await createNodeStore({ STRAIT_STORE: "memory" }, silentLogger);
    expect(s.description).toMatch(/^memory/);
    await s.store.cache.put("a", "b", 10);
    expect(await s.store.cache.get("a")).toBe("b");
  });

  it("dynamodb: a real endpoint, table names from STRAIT_TABLE_PREFIX / STRAIT_TABLE_*", async () => {
    const db = await startDynalite();
    try {
      const env = { STRAIT_TABLE_PREFIX: "prod-", STRAIT_TABLE_KEYS: "my-keys" };
      await createTables(db.client, tableNamesFromEnv(env), { ttl: false });
      const port = await tcpProxyTo(db.endpoint);
      const s = await createNodeStore({ ...env, STRAIT_STORE: "dynamodb", STRAIT_DYNAMODB_ENDPOINT: port.url, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, silentLogger);
      expect(s.description).toContain("my-keys, prod-cache, prod-limits, prod-usage, prod-responses, prod-logs");
      await s.store.cache.put("x", "y", 10);
      expect(await s.store.cache.get("x")).toBe("y");
      const entry = logEntry(Date.now());
      await s.store.logs!.put([entry]);
      expect(await s.store.logs!.get(entry.id)).toEqual(entry);
      port.close();
    } finally {
      await db.close();
    }
  });

  it("dynamodb: missing tables stop the start with a clear message", async () => {
    const db = await startDynalite();
    try {
      const port = await tcpProxyTo(db.endpoint);
      await expect(
        createNodeStore({ STRAIT_STORE: "dynamodb", STRAIT_DYNAMODB_ENDPOINT: port.url, AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" }, silentLogger),
      ).rejects.toThrow(/the tables can't be read \(ResourceNotFoundException\)/);
      port.close();
    } finally {
      await db.close();
    }
  });

  it("anything else is refused", async () => {
    await expect(createNodeStore({ STRAIT_STORE: "redis" }, silentLogger)).rejects.toThrow(/STRAIT_STORE must be embedded, memory or dynamodb/);
  });
});

describe("data folder lock", () => {
  it("takes over the lock of a process that died", async () => {
    const dir = tempDir();
    const { writeFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "strait.pid"), "999999999");
    const s = await createNodeStore({ STRAIT_DATA_DIR: dir }, silentLogger);
    await s.close();
  });
});

describe("dynalite's endpoint", () => {
  it.skipIf(process.platform === "win32")("is a Unix socket in a folder only this user can enter, removed on close", async () => {
    const db = await startDynalite();
    try {
      expect(db.endpoint).toMatch(/dynamodb\.sock$/);
      expect(statSync(dirname(db.endpoint)).mode & 0o777).toBe(0o700);
      expect(statSync(db.endpoint).isSocket()).toBe(true);
    } finally {
      await db.close();
    }
    expect(() => statSync(dirname(db.endpoint))).toThrow();
  });

  it("a new data folder is private (0700)", async () => {
    const dir = join(tempDir(), "fresh");
    const s = await createNodeStore({ STRAIT_DATA_DIR: dir }, silentLogger);
    await s.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

/** 127.0.0.1:<port> forwarding to dynalite's Unix socket: STRAIT_DYNAMODB_ENDPOINT takes a URL. */
async function tcpProxyTo(socketPath: string): Promise<{ url: string; close(): void }> {
  const { createServer, createConnection } = await import("node:net");
  const server = createServer((c) => {
    const up = createConnection(socketPath);
    c.pipe(up).pipe(c);
    c.on("error", () => up.destroy());
    up.on("error", () => c.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
