/** What the benchmarks share: their child processes (upstream, gateway, bare proxy), ports and memory. */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { connect, createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createInterface } from "node:readline";
import { build } from "esbuild";

export const ROOT = join(import.meta.dirname, "..");

/** Runs a script (a built .mjs, or TypeScript through tsx) with `nodeFlags` (say `--cpu-prof`) before it. */
export function start(args: string[], env: Record<string, string>, ready: (line: string) => number | undefined, nodeFlags: string[] = []): Promise<{ child: ChildProcess; port: number }> {
  const loader = args[0]!.endsWith(".mjs") ? [] : ["--import", "tsx"];
  const child = spawn(process.execPath, [...nodeFlags, ...loader, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const port = Number(env.PORT);
    if (port) return resolve({ child, port });
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const found = ready(line);
      if (found) resolve({ child, port: found });
    });
    child.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

/**
 * The bare proxy, built to plain JavaScript once per run: through tsx its process would also hold
 * the TypeScript loader (tens of MB of RSS the gateway's bundle does not carry).
 */
let bareProxyBuilt: Promise<string> | undefined;
export function bareProxyScript(): Promise<string> {
  const outfile = join(ROOT, "dist", "bench", "bare-proxy.mjs");
  bareProxyBuilt ??= build({ entryPoints: [join(ROOT, "bench", "bare-proxy.ts")], outfile, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "warning" }).then(() => outfile);
  return bareProxyBuilt;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const sock = connect(port, "127.0.0.1", () => (sock.end(), r(true))).once("error", () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

export async function waitForHealth(port: number) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the gateway did not start");
}

export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Whether the module at `url` (its import.meta.url) is the script node was started with. */
export function isMain(url: string): boolean {
  return !!process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === url;
}

/** SIGTERM, and the process's exit. */
export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

const run = promisify(execFile);

/**
 * `use` run in a temporary git worktree of `rev` with this checkout's node_modules linked in (to
 * build an earlier revision with its own build script), removed afterwards. Undefined when the
 * revision is not in this clone's history.
 */
export async function atRevision<T>(rev: string, use: (dir: string) => Promise<T>): Promise<T | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "strait-revision-"));
  try {
    await run("git", ["worktree", "add", "--detach", dir, rev], { cwd: ROOT });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  try {
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    return await use(dir);
  } finally {
    await run("git", ["worktree", "remove", "--force", dir], { cwd: ROOT }).catch(() => rmSync(dir, { recursive: true, force: true }));
  }
}
