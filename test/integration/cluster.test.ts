/** STRAIT_WORKERS=2: the built `npm start` bundle on two worker processes, limits counted by the primary. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseWorkers } from "../../functions/node/cluster.js";
import { buildTarget } from "../../scripts/build.mjs";
import { readRest } from "../helpers/body.js";

const ROOT = join(import.meta.dirname, "../..");
/** Inside the repo, so the bundle's external packages resolve from node_modules. */
const BUNDLE = join(ROOT, "dist/test-cluster/index.mjs");
const ADMIN = "admin-token-cluster-0001";
const dirs: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(async () => {
  await buildTarget("node", { outfile: BUNDLE });
});
afterEach(() => children.splice(0).forEach((c) => c.kill("SIGKILL")));
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

type Line = Record<string, unknown> & { msg: string };

/** The bundle as `npm start` runs it; resolves at "listening", or at exit when the start fails. */
async function start(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), "strait-cluster-"));
  dirs.push(dir);
  const port = await freePort();
  const child = spawn(process.execPath, [BUNDLE], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, HOST: "127.0.0.1", PORT: String(port), STRAIT_DATA_DIR: dir, STRAIT_ADMIN_TOKEN: ADMIN, STRAIT_WORKERS: "2", ...env },
  });
  children.push(child);
  let out = "";
  const lines: Line[] = [];
  const waiters: Array<{ test(l: Line): boolean; resolve(l: Line): void }> = [];
  child.stdout.on("data", (d) => {
    out += d;
    const parts = out.split("\n");
    out = parts.pop()!;
    for (const text of parts) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const w of waiters.splice(0)) if (w.test(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const next = (msg: string) =>
    new Promise<Line>((resolve, reject) => {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return resolve(seen);
      waiters.push({ test: (l) => l.msg === msg, resolve });
      void exited.then((code) => reject(new Error(`exited with ${code} before "${msg}": ${err}${lines.map((l) => JSON.stringify(l)).join("\n")}`)));
    });
  return { child, url: `http://127.0.0.1:${port}`, port, lines, next, exited, stderr: () => err };
}

/** A POST on a connection of its own, so the primary hands it to the next worker in turn. */
function post(port: number, path: string, auth: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", agent: false, headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, text }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const chat = { model: "mock/echo", messages: [{ role: "user", content: "hi" }] };

async function createKey(port: number, over: Record<string, unknown>): Promise<string> {
  const res = await post(port, "/admin/keys", ADMIN, { name: "cluster", ...over });
  expect(res.status).toBe(201);
  return JSON.parse(res.text).key;
}

describe("STRAIT_WORKERS=2 on the embedded store", () => {
  it("keeps a key's rpm exact across workers, and exits 0 on SIGTERM", async () => {
    const server = await start({});
    const listening = await server.next("listening");
    expect(listening).toMatchObject({ url: server.url, workers: 2 });
    expect(listening.pids).toHaveLength(2);
    expect(server.lines.filter((l) => l.msg === "listening")).toHaveLength(1);

    const key = await createKey(server.port, { rpm: 10 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => post(server.port, "/v1/chat/completions", key, chat)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    const answeredBy = new Set(server.lines.filter((l) => l.msg === "request" && l.principal !== undefined).map((l) => l.pid));
    expect(answeredBy.size).toBe(2);
    expect([...answeredBy].sort()).toEqual([...(listening.pids as number[])].sort());

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toBe("");
  });

  it("replaces a killed worker and keeps answering; SIGTERM lets an in-flight stream finish", async () => {
    const server = await start({});
    const listening = await server.next("listening");
    const [victim] = listening.pids as number[];
    process.kill(victim!, "SIGKILL");
    const replaced = await server.next("worker replaced");
    expect(replaced.replaces).toBe(victim);
    expect(server.lines.find((l) => l.msg === "worker exited; starting another")).toMatchObject({ pid: victim, signal: "SIGKILL" });

    const key = await createKey(server.port, {});
    for (let i = 0; i < 6; i++) expect((await post(server.port, "/v1/chat/completions", key, chat)).status).toBe(200);
    const answeredBy = new Set(server.lines.filter((l) => l.msg === "request" && l.principal !== undefined).map((l) => l.pid));
    expect(answeredBy.has(victim)).toBe(false);
    expect(answeredBy.has(replaced.pid)).toBe(true);

    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "mock/slow-100", messages: [{ role: "user", content: "one two three four five" }], stream: true }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    server.child.kill("SIGTERM");
    const text = await readRest(reader);
    expect(text).toContain('"five"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(await server.exited).toBe(0);
  });
});

describe("STRAIT_WORKERS", () => {
  it("is 1 unset, one per core for auto, and a whole number from 1 to 256", () => {
    expect(parseWorkers(undefined, 4)).toBe(1);
    expect(parseWorkers("", 4)).toBe(1);
    expect(parseWorkers("auto", 4)).toBe(4);
    expect(parseWorkers(" 3 ", 4)).toBe(3);
    expect(parseWorkers("256", 4)).toBe(256);
    for (const bad of ["0", "-1", "1.5", "two", "257", "0x2"]) expect(() => parseWorkers(bad, 4), bad).toThrow(/STRAIT_WORKERS must be a whole number from 1 to 256, or auto/);
  });

  it("stops the start with a message that names the variable and the fix", async () => {
    const server = await start({ STRAIT_WORKERS: "0" });
    expect(await server.exited).toBe(1);
    const error = server.lines.find((l) => l.level === "error");
    expect(error?.msg).toBe(
      `STRAIT_WORKERS must be a whole number from 1 to 256, or auto (one per core: ${availableParallelism()} here); got "0". Set STRAIT_WORKERS=auto, or unset it to run one process.`,
    );
  });
});
