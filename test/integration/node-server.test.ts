import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KeyCache } from "../../core/keys/cache.js";
import { KeyService } from "../../core/keys/service.js";
import { silentLogger } from "../../core/runtime.js";
import { createNodeStore } from "../../functions/node/store.js";
import { readRest } from "../helpers/body.js";

/** `npm start` as a user runs it: a child process, its stdout, its signals. */
const ROOT = join(import.meta.dirname, "../..");
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill("SIGKILL")));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function startNode(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "functions/node.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, STRAIT_STORE: "memory", PORT: String(port), ...env },
  });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, exited, output: () => out };
}

describe("the local server (npm start)", () => {
  it("finishes an in-flight stream on SIGTERM, then exits 0", async () => {
    const { child, url, exited } = await startNode({});
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "mock/slow-100", messages: [{ role: "user", content: "one two three four five" }], stream: true }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    child.kill("SIGTERM");
    const text = await readRest(reader);
    expect(text).toContain('"five"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(await exited).toBe(0);
  });

  it("writes one JSON line per event and never a key or token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strait-"));
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ providers: { openai: { baseUrl: "http://127.0.0.1:9/v1", apiKeys: ["sk-provider-secret-0001"] } } }));
    const { child, url, exited, output } = await startNode({ STRAIT_CONFIG: config, STRAIT_GATEWAY_TOKENS: "gw-secret-token-0002" });
    const call = (auth: string, model: string) =>
      fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${auth}` }, body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) });
    expect((await call("gw-secret-token-0002", "mock/echo")).status).toBe(200);
    expect((await call("wrong-token-0003", "mock/echo")).status).toBe(401);
    expect((await call("gw-secret-token-0002", "openai/gpt-4o-mini")).status).toBe(502);
    child.kill("SIGTERM");
    await exited;
    const lines = output().trim().split("\n");
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.some((l) => JSON.parse(l).msg === "request")).toBe(true);
    expect(output()).not.toMatch(/sk-provider-secret|gw-secret-token|wrong-token/);
  });

  it("stops at start with the path of a bad config setting", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strait-"));
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ providers: { "my-vllm": { type: "openai-compatible", baseUrl: "not a url" } } }));
    const { exited, output } = await startNode({ STRAIT_CONFIG: config });
    expect(await exited).toBe(1);
    expect(output()).toContain("providers.my-vllm.baseUrl");
  });
});

describe("what the local server says at start about who can call it", () => {
  /** Starts on the embedded store in `dir`, makes one unauthenticated call, stops; the log lines and that call's status. */
  async function startOn(dir: string, env: Record<string, string> = {}, expectMessage = true) {
    const { child, url, exited, output } = await startNode({ STRAIT_STORE: "", STRAIT_DATA_DIR: dir, ...env });
    const status = (await fetch(`${url}/v1/models`)).status;
    // The message follows "listening": wait for it before stopping.
    for (let i = 0; expectMessage && i < 100 && !/"level":"(warn|error)"/.test(output()); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const lines = output()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { level: string; msg: string });
    return { status, lines, said: lines.filter((l) => l.level === "warn" || l.level === "error") };
  }

  it("a data folder holding a virtual key: every request needs one, and how to get back in; never 'open gateway'", async () => {
    const dir = mkdtempSync(join(tmpdir(), "strait-keys-"));
    const s = await createNodeStore({ STRAIT_DATA_DIR: dir }, silentLogger);
    await new KeyService(s.store, new KeyCache(0)).create({ name: "laptop" });
    await s.close();

    const { status, said } = await startOn(dir);
    expect(status).toBe(401);
    expect(said).toHaveLength(1);
    expect(said[0]!.level).toBe("warn");
    expect(said[0]!.msg).toMatch(/^virtual keys exist in the store, so every API request needs one/);
    expect(said[0]!.msg).toContain("set STRAIT_ADMIN_TOKEN and restart, then use the admin API (/admin/keys) or `npx strait keys list`");
    expect(said[0]!.msg).not.toMatch(/open gateway|anyone/);
  });

  it("an empty data folder on loopback: open, and says so", async () => {
    const { status, said } = await startOn(mkdtempSync(join(tmpdir(), "strait-empty-")));
    expect(status).toBe(200);
    expect(said.map((l) => l.msg)).toEqual([
      "open gateway: no gateway tokens or admin token are set and the store holds no virtual keys, so anyone who can reach this loopback address can use it. To require a key, set STRAIT_GATEWAY_TOKENS or STRAIT_ADMIN_TOKEN and restart.",
    ]);
  });

  it("gateway tokens set: nothing to warn about", async () => {
    const { status, said } = await startOn(mkdtempSync(join(tmpdir(), "strait-tok-")), { STRAIT_GATEWAY_TOKENS: "gw-token-0001" }, false);
    expect(status).toBe(401);
    expect(said).toEqual([]);
  });

  it("STRAIT_STORE=none: starts without a store; an unknown name stops the start naming the accepted ones", async () => {
    const none = await startNode({ STRAIT_STORE: "none" });
    expect((await fetch(`${none.url}/v1/models`)).status).toBe(200);
    none.child.kill("SIGTERM");
    expect(await none.exited).toBe(0);
    expect(none.output()).toContain('"store":"none (gateway tokens only');
    expect(none.output()).toContain("there is no store for virtual keys");

    const bad = await startNode({ STRAIT_STORE: "redis" });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('STRAIT_STORE must be embedded, memory or dynamodb, or none for no store, on the local server; got \\"redis\\".');
  });
});
