/**
 * `npx tsx bench/workers.ts`: the keyed path (a virtual key with rpm, tpm and a daily budget, the
 * embedded store, request log on) with STRAIT_WORKERS=1 and =2, in alternating short runs, and
 * the primary's CPU per request with 2 workers: what counting every limit over IPC costs it.
 * Loopback only; about a minute.
 *
 *   BENCH_SECONDS (default 10, per target)  BENCH_CONNECTIONS (default 32)
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTarget } from "../scripts/build.mjs";
import { cpuMicros } from "./cpu.js";
import { load } from "./load.js";
import { BENCH_ADMIN_TOKEN, createKey } from "./keys.js";
import { freePort, isMain, ROOT, start, waitForHealth } from "./processes.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
let stopped = false;

async function gateway(bundle: string, configPath: string, workers: number) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "strait-bench-workers-"));
  const { child } = await start([bundle], { PORT: String(port), STRAIT_CONFIG: configPath, STRAIT_LOG_LEVEL: "warn", STRAIT_DATA_DIR: dataDir, STRAIT_ADMIN_TOKEN: BENCH_ADMIN_TOKEN, STRAIT_WORKERS: String(workers) }, () => undefined);
  await waitForHealth(port);
  child.once("exit", (code, signal) => stopped || console.error(`the gateway with ${workers} worker(s) exited early: ${code ?? signal}`));
  const key = await createKey(port);
  return { child, url: `http://127.0.0.1:${port}/v1/chat/completions`, key, dataDir, workers };
}

export interface WorkersResult {
  seconds: number;
  connections: number;
  turns: number;
  /** Per STRAIT_WORKERS value (1, 2): the runs' means. */
  rows: Array<{ workers: number; rps: number; p50: number; p99: number; errors: number }>;
  /** The primary's CPU per request with 2 workers, µs. */
  primaryMicrosPerRequest: number;
  primaryRequests: number;
}

/** The keyed path with STRAIT_WORKERS=1 and =2, in alternating runs; `seconds` per target. */
export async function workersBench(seconds = SECONDS, connections = CONNECTIONS): Promise<WorkersResult> {
  const upstream = await start(["bench/upstream.ts"], {}, (l) => JSON.parse(l).port);
  mkdirSync(join(ROOT, ".strait"), { recursive: true });
  const configPath = join(ROOT, ".strait", "bench-workers.config.json");
  writeFileSync(configPath, JSON.stringify({ providers: { openai: { baseUrl: `http://127.0.0.1:${upstream.port}/v1`, apiKeys: ["sk-bench"] } } }));
  const bundle = await buildTarget("node");
  const targets = [await gateway(bundle, configPath, 1), await gateway(bundle, configPath, 2)];
  const children: ChildProcess[] = [upstream.child, ...targets.map((t) => t.child)];
  stopped = false;
  try {
    for (const t of targets) await load(t, false, connections, 2); // warm up
    const turns = Math.max(1, Math.round(seconds / 2));
    const runs = targets.map(() => [] as Array<Awaited<ReturnType<typeof load>>>);
    let primaryMicros = 0;
    let primaryRequests = 0;
    for (let turn = 0; turn < turns; turn++) {
      for (const [i, t] of targets.entries()) {
        const before = t.workers > 1 ? cpuMicros(t.child.pid!) : 0;
        const r = await load(t, false, connections, seconds / turns);
        if (t.workers > 1) {
          primaryMicros += cpuMicros(t.child.pid!) - before;
          primaryRequests += r.requests ?? 0;
        }
        runs[i]!.push(r);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rows = targets.map((t, i) => {
      const r = runs[i]!;
      return { workers: t.workers, rps: mean(r.map((x) => x.rps)), p50: mean(r.map((x) => x.p50)), p99: mean(r.map((x) => x.p99)), errors: r.reduce((n, x) => n + x.errors, 0) };
    });
    return { seconds, connections, turns, rows, primaryMicrosPerRequest: primaryMicros / Math.max(1, primaryRequests), primaryRequests };
  } finally {
    stopped = true;
    const exits = children.map((c) => new Promise((r) => c.once("exit", r)));
    for (const c of children) c.kill("SIGTERM");
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 15_000))]);
    for (const t of targets) rmSync(t.dataDir, { recursive: true, force: true });
    rmSync(configPath, { force: true });
  }
}

export function workersTable(w: WorkersResult): string {
  return [
    `keyed path, ${w.connections} connections, ${w.seconds} s per target in ${w.turns} alternating runs`,
    "",
    "| STRAIT_WORKERS | requests/s | p50 ms | p99 ms | errors |",
    "| --- | --- | --- | --- | --- |",
    ...w.rows.map((r) => `| ${r.workers} | ${Math.round(r.rps)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`),
    "",
    `the primary (2 workers): ${w.primaryMicrosPerRequest.toFixed(0)} µs of CPU per request (${w.primaryRequests} requests)`,
  ].join("\n");
}

if (isMain(import.meta.url)) console.log(workersTable(await workersBench()));
