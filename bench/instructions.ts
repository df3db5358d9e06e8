/**
 * `npm run bench:instructions [-- <revision>]`: the machine instructions a request costs each
 * process, counted by valgrind's callgrind rather than timed — about the same count on a busy
 * machine as on a quiet one, where `npm run bench:ab` moves 7–13 % between runs of one build.
 * Each target runs under callgrind with counting off while it warms up (BENCH_INSTR_WARMUP
 * requests, default 12000), counts BENCH_INSTR_REQUESTS (default 3000; JSON chat, 8 connections),
 * and exits; callgrind's output stays in dist/bench/callgrind.<target>.out for callgrind_annotate.
 * Targets: the keyed gateway (virtual key with rpm, tpm and a daily budget, request log on), the
 * same built from <revision> when one is given, and the two bare proxies.
 *
 * Set aside, being lumps rather than per-request work at valgrind's hundredfold slowdown: V8's
 * optimising compiler (timing-driven), its major collections (printed apart), and the embedded
 * store's writes (five seconds behind the answers: the gateway runs on the memory store). Needs
 * valgrind (`apt-get install valgrind`). Loopback only; about eight minutes.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import { buildTarget } from "../scripts/build.mjs";
import { BENCH_ADMIN_TOKEN, createKey } from "./keys.js";
import { chatBody } from "./load.js";
import { atRevision, bareProxyScript, freePort, ROOT, start, stop } from "./processes.js";

/** Past 10,000 requests the memory store's request log is full: each new entry then evicts one, as on a server that has run a while. */
const WARMUP = Number(process.env.BENCH_INSTR_WARMUP ?? 12_000);
const REQUESTS = Number(process.env.BENCH_INSTR_REQUESTS ?? 3000);
/** Compiling synchronously makes when code is optimised depend on the requests, not on the clock. */
const NODE_FLAGS = ["--no-concurrent-recompilation"];
/** V8's optimising compilers, by the namespaces of their functions. */
const COMPILER = /v8::internal::(compiler|turboshaft|maglev)::|Turbofan|Maglev/;
/** V8's major (mark-compact) collections: marking, sweeping, compacting — not the scavenges of the young generation. */
const MAJOR_GC = /MarkCompact|ConcurrentMarking|MarkingVisitor|MarkingWorklist|IncrementalMarking|MarkingBarrier|Sweeper|Evacuat|MarkTransitiveClosure/;

interface Counted {
  name: string;
  /** Without the compiler and the major collections. */
  perRequest: number;
  compilerPerRequest: number;
  majorGcPerRequest: number;
}

async function underCallgrind(name: string, script: string, env: Record<string, string>, withKey: boolean): Promise<Counted> {
  const port = await freePort();
  // Kept for callgrind_annotate: which functions a change touched.
  mkdirSync(join(ROOT, "dist", "bench"), { recursive: true });
  const out = join(ROOT, "dist", "bench", `callgrind.${name.replace(/[^a-z0-9]+/gi, "-")}.out`);
  const child = spawn("valgrind", ["--tool=callgrind", "--instr-atstart=no", "--smc-check=all-non-file", `--callgrind-out-file=${out}`, "-q", process.execPath, ...NODE_FLAGS, script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "ignore"],
  });
  try {
    await waitForServer(port, withKey);
    const key = withKey ? await createKey(port) : undefined;
    const fire = async (amount: number) => {
      const r = await autocannon({
        url: `http://127.0.0.1:${port}/v1/chat/completions`,
        method: "POST",
        headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: chatBody(false),
        connections: 8,
        amount,
        timeout: 120,
      });
      if (r.non2xx || r.errors || r.timeouts) throw new Error(`${name}: ${r.non2xx + r.errors + r.timeouts} of ${amount} requests failed under callgrind`);
    };
    await fire(WARMUP);
    execFileSync("callgrind_control", ["--instr=on", String(child.pid)], { stdio: "ignore" });
    await fire(REQUESTS);
    execFileSync("callgrind_control", ["--instr=off", String(child.pid)], { stdio: "ignore" });
    await stop(child);
    const total = Number(/^totals: (\d+)/m.exec(readFileSync(out, "utf8"))?.[1]);
    const { compiler, majorGc } = setAside(out);
    return { name, perRequest: (total - compiler - majorGc) / REQUESTS, compilerPerRequest: compiler / REQUESTS, majorGcPerRequest: majorGc / REQUESTS };
  } finally {
    child.kill("SIGKILL");
  }
}

/** Instructions in V8's optimising compilers and in its major collections, from callgrind's per-function totals. */
function setAside(file: string): { compiler: number; majorGc: number } {
  const listing = execFileSync("callgrind_annotate", ["--auto=no", "--threshold=100", file], { maxBuffer: 1 << 28 }).toString();
  let compiler = 0;
  let majorGc = 0;
  for (const line of listing.split("\n")) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (!m || m[2]!.includes("PROGRAM TOTALS")) continue;
    const n = Number(m[1]!.replace(/,/g, ""));
    if (COMPILER.test(m[2]!)) compiler += n;
    else if (MAJOR_GC.test(m[2]!)) majorGc += n;
  }
  return { compiler, majorGc };
}

/** Under valgrind a process takes tens of seconds to start. */
async function waitForServer(port: number, gateway: boolean) {
  for (let i = 0; i < 900; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/${gateway ? "health" : "__eventloop"}`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing answered on port ${port} within 3 minutes under valgrind`);
}

async function main() {
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("npm run bench:instructions needs valgrind: apt-get install valgrind");
  }
  const rev = process.argv[2];
  const upstream = await start(["bench/upstream.ts"], {}, (l) => JSON.parse(l).port);
  mkdirSync(join(ROOT, ".strait"), { recursive: true });
  const configPath = join(ROOT, ".strait", "bench-instructions.config.json");
  writeFileSync(configPath, JSON.stringify({ providers: { openai: { baseUrl: `http://127.0.0.1:${upstream.port}/v1`, apiKeys: ["sk-bench"] } } }));
  const gatewayEnv = { STRAIT_CONFIG: configPath, STRAIT_LOG_LEVEL: "warn", STRAIT_STORE: "memory", STRAIT_ADMIN_TOKEN: BENCH_ADMIN_TOKEN };
  const bareEnv = (client: string) => ({ UPSTREAM: `http://127.0.0.1:${upstream.port}`, BARE_CLIENT: client });
  const rows: Counted[] = [];
  try {
    rows.push(await underCallgrind("keyed gateway, this checkout", await buildTarget("node"), gatewayEnv, true));
    if (rev) {
      const before = await atRevision(rev, async (dir) => {
        await promisify(execFile)(process.execPath, ["scripts/build.mjs", "node"], { cwd: dir });
        return underCallgrind(`keyed gateway, ${rev}`, join(dir, "dist/node/index.mjs"), gatewayEnv, true);
      });
      if (!before) throw new Error(`"${rev}" is not a revision in this clone's history.`);
      rows.push(before);
    }
    rows.push(await underCallgrind("bare proxy", await bareProxyScript(), bareEnv("request"), false));
    rows.push(await underCallgrind("bare proxy, undici dispatcher", await bareProxyScript(), bareEnv("dispatch"), false));
  } finally {
    await stop(upstream.child);
  }
  const bare = rows.find((r) => r.name === "bare proxy")!;
  const k = (n: number) => `${Math.round(n / 100) / 10}k`;
  console.log(`| JSON chat, ${REQUESTS} requests after ${WARMUP} (callgrind) | instructions a request | ÷ bare proxy | major collections, left out | compiler, left out |`);
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.name} | ${k(r.perRequest)} | ${(r.perRequest / bare.perRequest).toFixed(2)} | ${k(r.majorGcPerRequest)} | ${k(r.compilerPerRequest)} |`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
