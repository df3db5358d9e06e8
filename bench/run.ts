/**
 * `npm run bench`: the same load sent straight to a local upstream, through a bare undici proxy
 * and through the gateway, in one run, so the ratios mean something on a shared, noisy machine;
 * then the issue's other targets (fixed-rate latency, a thousand slow streams, bundle sizes and
 * module init), ending with a targets table. Loopback only; about six minutes.
 *
 *   BENCH_SECONDS (default 8)  BENCH_WARMUP (default 6, seconds per target before each pass)
 *   BENCH_CONNECTIONS (default 32)  BENCH_SEQUENTIAL (default 2000)
 *   BENCH_RATE (default 500)   STREAMS, STREAMS_SECONDS, STREAMS_TOKEN_MS (as bench:streams)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { buildTarget } from "../scripts/build.mjs";
import { initAgainst, lambdaColdStart } from "./coldstart.js";
import { fixedRate } from "./fixed-rate.js";
import { createKey } from "./keys.js";
import { alternate, load, type Measured, sequential } from "./load.js";
import { bareProxyScript, freePort, peakRssMb, ROOT, start, stop, waitForHealth, waitForPort } from "./processes.js";
import { slowStreams, streamsOptionsFromEnv, streamsTable } from "./streams.js";
import { workersBench, workersTable } from "./workers.js";
import { perChunk, type TargetInputs, targetsTable, writeBetween } from "./targets.js";
import { workerBundleSize } from "./worker-size.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// A fresh gateway needs several thousand requests before its JIT settles (a keyed one's first
// 1.5 s runs: 1739, 901, 491, 459 µs of CPU a request; the bare proxy's: 1136, 320, 322, 272).
// Warmed for 2 s, its first measured run still paid for compiling.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 6);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const INIT_RUNS = 5;
/** Runs of each bundle when today's Lambda init is set beside the issue's (coldstart.ts's INIT_BASELINE_REV), alternating. */
const INIT_BASELINE_RUNS = 9;

interface Row extends Measured {
  scenario: string;
  target: string;
}

/** The bare proxy on undici's dispatcher (bench/bare-proxy.ts, BARE_CLIENT=dispatch). */
const BARE_DISPATCHER = "bare proxy, undici dispatcher";
/** The keyed target's name in the table. */
const KEYED = "gateway, virtual key (rpm, tpm, budget)";
/** The keyed gateway with its request log off (STRAIT_LOGS=false): what the log costs is the difference. */
const UNLOGGED = "gateway, virtual key, log off";
/** The same keyed gateway answering every request from its response cache (embedded store). */
const CACHED = "gateway, virtual key, cached hit";
/** The keyed gateway's second key, whose requests run every built-in PII detector on the prompt and the answer (redact). */
const GUARDED = "gateway, virtual key, PII guardrails in + out";
const PII_POLICY = { pii: { rules: [{ name: "personal-data", type: "pii", action: "redact" }] } };
const CACHE_TTL = { "cf-aig-cache-ttl": "3600" };

/** SSE events in the upstream's streamed answer (it writes each one on its own). */
const EVENTS = readFileSync(join(ROOT, "test/fixtures/openai/chat-stream.sse"), "utf8")
  .split(/(?<=\n\n)/)
  .filter((e) => e.trim()).length;

/** The load benchmark proper: direct, bare proxy and the gateways, JSON then streamed, then the fixed rate. */
async function loadBench(): Promise<{ rows: Row[]; rssMb: number; inputs: Pick<TargetInputs, "json" | "streamed" | "rate"> }> {
  const upstream = await start(["bench/upstream.ts"], {}, (l) => JSON.parse(l).port);
  const configPath = join(ROOT, ".strait", "bench.config.json");
  mkdirSync(join(ROOT, ".strait"), { recursive: true });
  writeFileSync(configPath, JSON.stringify({ providers: { openai: { baseUrl: `http://127.0.0.1:${upstream.port}/v1`, apiKeys: ["sk-bench"] } }, guardrails: { policies: PII_POLICY } }));
  const port = await freePort();
  // Request logs off (warn level): the benchmark measures the proxy, not a log pipe into this process.
  // What `npm start` runs: the esbuild bundle of functions/node.ts.
  const bundle = await buildTarget("node");
  const gateway = await start([bundle], { PORT: String(port), STRAIT_CONFIG: configPath, STRAIT_LOG_LEVEL: "warn", STRAIT_STORE: "memory" }, () => undefined);
  await waitForHealth(port);
  // The same bundle as every real deployment runs it: the embedded store in a fresh data folder, a
  // virtual key with rpm, tpm and a daily budget (set high enough never to refuse during the run).
  const keyedPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "strait-bench-"));
  const keyed = await start([bundle], { PORT: String(keyedPort), STRAIT_CONFIG: configPath, STRAIT_LOG_LEVEL: "warn", STRAIT_DATA_DIR: dataDir, STRAIT_ADMIN_TOKEN: "bench-admin-token", ...(process.env.BENCH_KEYED_STORE ? { STRAIT_STORE: process.env.BENCH_KEYED_STORE } : {}) }, () => undefined);
  await waitForHealth(keyedPort);
  const key = await createKey(keyedPort);
  const guardedKey = await createKey(keyedPort, ["pii"]);
  const unloggedPort = await freePort();
  const unloggedDir = mkdtempSync(join(tmpdir(), "strait-bench-"));
  const unlogged = await start([bundle], { PORT: String(unloggedPort), STRAIT_CONFIG: configPath, STRAIT_LOG_LEVEL: "warn", STRAIT_DATA_DIR: unloggedDir, STRAIT_ADMIN_TOKEN: "bench-admin-token", STRAIT_LOGS: "false", ...(process.env.BENCH_KEYED_STORE ? { STRAIT_STORE: process.env.BENCH_KEYED_STORE } : {}) }, () => undefined);
  await waitForHealth(unloggedPort);
  const unloggedKey = await createKey(unloggedPort);

  const bareProxy = await start([await bareProxyScript()], { PORT: String(await freePort()), UPSTREAM: `http://127.0.0.1:${upstream.port}` }, () => undefined);
  await waitForPort(bareProxy.port);
  // The same on undici's dispatcher, as the gateway calls upstreams: the lower floor, for the record (the targets use the one above).
  const bareDispatcher = await start([await bareProxyScript()], { PORT: String(await freePort()), UPSTREAM: `http://127.0.0.1:${upstream.port}`, BARE_CLIENT: "dispatch" }, () => undefined);
  await waitForPort(bareDispatcher.port);

  // A child that dies mid-run (killed from outside, out of memory) shows as refused connections: say which.
  let stopping = false;
  const children = { upstream, gateway, keyed, unlogged, "bare proxy": bareProxy, "bare proxy on the dispatcher": bareDispatcher };
  for (const [name, p] of Object.entries(children)) p.child.once("exit", (code, signal) => stopping || console.error(`the ${name} process exited during the bench (${signal ?? `code ${code}`})`));
  const chat = (p: number) => `http://127.0.0.1:${p}/v1/chat/completions`;
  const direct = { url: chat(upstream.port), pid: upstream.child.pid };
  const bare = { url: chat(bareProxy.port), pid: bareProxy.child.pid };
  const bareOnDispatcher = { url: chat(bareDispatcher.port), pid: bareDispatcher.child.pid };
  const open = { url: chat(gateway.port), pid: gateway.child.pid };
  const withKey = { url: chat(keyedPort), key, pid: keyed.child.pid };
  const withoutLog = { url: chat(unloggedPort), key: unloggedKey, pid: unlogged.child.pid };
  const guarded = { url: chat(keyedPort), key: guardedKey, pid: keyed.child.pid };
  const rows: Row[] = [];
  const found = (scenario: string, target: string) => rows.find((r) => r.scenario === scenario && r.target === target)!;
  let rssMb = 0;
  try {
    for (const stream of [false, true]) {
      const scenario = `${stream ? "chat, streamed" : "chat, JSON"}, ${CONNECTIONS} conn`;
      for (const t of [open, withKey, withoutLog, guarded, bare, bareOnDispatcher]) await load(t, stream, CONNECTIONS, WARMUP); // warm up the JIT and the connection pool
      for (const [target, t] of [["direct", direct], ["bare proxy", bare], [BARE_DISPATCHER, bareOnDispatcher]] as const) rows.push({ scenario, target, ...(await load(t, stream, CONNECTIONS, SECONDS)) });
      // The gateways take turns in short runs, so the ratio between them does not depend on which
      // ran while the machine was busier.
      const measured = await alternate([open, withKey, withoutLog, guarded], stream, CONNECTIONS, SECONDS);
      ["gateway", KEYED, UNLOGGED, GUARDED].forEach((target, i) => rows.push({ scenario, target, ...measured[i]! }));
      // The first request stores the answer; every one after it is a hit: one store read, no upstream call.
      const cached = { ...withKey, extra: CACHE_TTL };
      await load(cached, stream, 1, 1);
      rows.push({ scenario, target: CACHED, ...(await load(cached, stream, CONNECTIONS, SECONDS)) });
      const oneAtATime = `${stream ? "chat, streamed" : "chat, JSON"}, 1 at a time`;
      const [d, g, kg] = await sequential([direct, open, withKey], stream, SEQUENTIAL);
      rows.push({ scenario: oneAtATime, target: "direct", ...d! }, { scenario: oneAtATime, target: "gateway", ...g! }, { scenario: oneAtATime, target: KEYED, ...kg! });
    }
    // An open-loop sender at a fixed, moderate rate: the latency a request sees when nothing queues.
    const scenario = `chat, JSON, ${RATE} req/s open loop`;
    const [rd, rb, rk] = await fixedRate([direct, bare, withKey], RATE, SECONDS);
    rows.push({ scenario, target: "direct", rps: rd!.achieved, p50: rd!.p50, p99: rd!.p99, errors: rd!.errors }, { scenario, target: "bare proxy", rps: rb!.achieved, p50: rb!.p50, p99: rb!.p99, errors: rb!.errors }, { scenario, target: KEYED, rps: rk!.achieved, p50: rk!.p50, p99: rk!.p99, errors: rk!.errors });
    rssMb = peakRssMb(gateway.child.pid!);
    const json = `chat, JSON, ${CONNECTIONS} conn`;
    const streamed = `chat, streamed, ${CONNECTIONS} conn`;
    return {
      rows,
      rssMb,
      inputs: {
        json: { direct: found(json, "direct"), bare: found(json, "bare proxy"), keyed: found(json, KEYED) },
        streamed: { direct: found(streamed, "direct"), bare: found(streamed, "bare proxy"), keyed: found(streamed, KEYED), bareJson: found(json, "bare proxy"), keyedJson: found(json, KEYED) },
        rate: { rps: RATE, direct: rd!, bare: rb!, keyed: rk! },
      },
    };
  } finally {
    stopping = true;
    await Promise.all(Object.values(children).map((p) => stop(p.child)));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(unloggedDir, { recursive: true, force: true });
    if (rows.length) console.log(`${benchTable(rows, rssMb)}\n`);
  }
}

function benchTable(rows: Row[], rssMb: number): string {
  const lines = [
    "| scenario | target | req/s | p50 ms | p99 ms | errors | ÷ direct (req/s) | ÷ bare proxy (req/s) | added p50 ms | added p99 ms | CPU µs/request |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const direct = new Map(rows.filter((r) => r.target === "direct").map((r) => [r.scenario, r]));
  const bare = new Map(rows.filter((r) => r.target === "bare proxy").map((r) => [r.scenario, r]));
  const fixed = (r: Row) => r.scenario.includes("open loop");
  for (const r of rows) {
    const d = direct.get(r.scenario)!;
    const b = bare.get(r.scenario);
    const vsDirect = r.target === "direct" || fixed(r) ? "" : (r.rps / d.rps).toFixed(2);
    const vsBare = r.target.startsWith("gateway") && b && !fixed(r) ? (r.rps / b.rps).toFixed(2) : "";
    const added = (x: number, y: number) => (r.target === "direct" ? "" : (x - y).toFixed(3));
    const cpu = r.cpuPerRequest === undefined ? "" : r.cpuPerRequest.toFixed(0);
    lines.push(`| ${r.scenario} | ${r.target} | ${r.rps.toFixed(0)} | ${Number(r.p50.toFixed(3))} | ${Number(r.p99.toFixed(3))} | ${r.errors} | ${vsDirect} | ${vsBare} | ${added(r.p50, d.p50)} | ${added(r.p99, d.p99)} | ${cpu} |`);
  }
  lines.push(
    "",
    `Gateway peak RSS: ${rssMb.toFixed(0)} MB. ${SECONDS} s per load run (the open gateway, the keyed one, the keyed one with its request log off and the keyed one under a PII guardrail policy in alternating runs of about 2 s; the open gateway and the keyed one log every request, bodies off), ${SEQUENTIAL} sequential requests per target (the three in turn), ${SECONDS} s per target at ${RATE} req/s (the three in turns of 2 s), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. CPU µs/request: the serving process's user + system time over the run (/proc/<pid>/stat) divided by the requests it answered — for direct, the upstream's.`,
  );
  return lines.join("\n");
}

function chunkTable(i: TargetInputs): string {
  const c = perChunk(i);
  const openChunk = (r: Measured | undefined) => (r?.cpuPerRequest === undefined ? "—" : (r.cpuPerRequest / i.events).toFixed(1));
  return [
    `| streamed chat (${i.events} SSE events, one upstream write each) | CPU µs/request, JSON | CPU µs/request, streamed | CPU µs per chunk (streamed ÷ ${i.events}) |`,
    "| --- | ---: | ---: | ---: |",
    `| bare proxy | ${i.streamed.bareJson.cpuPerRequest?.toFixed(0)} | ${i.streamed.bare.cpuPerRequest?.toFixed(0)} | ${openChunk(i.streamed.bare)} |`,
    `| gateway, virtual key | ${i.streamed.keyedJson.cpuPerRequest?.toFixed(0)} | ${i.streamed.keyed.cpuPerRequest?.toFixed(0)} | ${openChunk(i.streamed.keyed)} |`,
    `| what the gateway adds | ${(i.streamed.keyedJson.cpuPerRequest! - i.streamed.bareJson.cpuPerRequest!).toFixed(0)} | ${(i.streamed.keyed.cpuPerRequest! - i.streamed.bare.cpuPerRequest!).toFixed(0)} | ${c.added.toFixed(1)} (streaming part alone: ${c.marginal.toFixed(1)}) |`,
  ].join("\n");
}

async function run() {
  const started = performance.now();
  const { rows, rssMb, inputs } = await loadBench();
  console.log("A thousand slow streams through one process …");
  const streams = await slowStreams(streamsOptionsFromEnv());
  console.log(`${streamsTable(streams)}\n`);
  console.log("Bundles: Lambda size and module init, Worker size …");
  const lambda = await lambdaColdStart(INIT_RUNS);
  const against = await initAgainst(join(ROOT, lambda.file), INIT_BASELINE_RUNS);
  const worker = await workerBundleSize();
  console.log("STRAIT_WORKERS=1 and =2, keyed path …");
  const workers = await workersBench(Number(process.env.BENCH_WORKERS_SECONDS ?? 6));
  console.log(`${workersTable(workers)}\n`);
  const all: TargetInputs = { ...inputs, events: EVENTS, streams, lambda: { size: lambda.size, whole: lambda.whole, init: lambda.init, runs: INIT_RUNS, against }, worker, workers };

  const bench = `${benchTable(rows, rssMb)}\n\n${chunkTable(all)}`;
  const targets = `${targetsTable(all)}\n\nOne \`npm run bench\` run (${((performance.now() - started) / 60_000).toFixed(1)} min), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, a shared 2-core machine, load average ${loadavg().map((l) => l.toFixed(1)).join(" / ")} (1, 5, 15 min) at the end.`;
  console.log(`${chunkTable(all)}\n\nTargets\n\n${targets}`);
  writeFileSync(join(ROOT, "bench", "results.md"), `${bench}\n\n${streamsTable(streams)}\n\n${targets}\n`);
  // docs/performance.md quotes the latest tables between its markers.
  const page = join(ROOT, "docs", "performance.md");
  writeBetween(page, "bench", bench);
  writeBetween(page, "targets", targets);
  if (streams.complete !== streams.streams) console.error(`${streams.streams - streams.complete} slow streams did not complete; the first: ${streams.failure}`);
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
