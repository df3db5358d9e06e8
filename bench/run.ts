/**
 * `npm run bench`: the same load sent straight to a local upstream and through the gateway, in one
 * run, so the ratio means something on a shared, noisy machine. Loopback only; about a minute.
 *
 *   BENCH_SECONDS (default 8)  BENCH_CONNECTIONS (default 32)
 */
import autocannon from "autocannon";
import { Agent, request } from "undici";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTarget } from "../scripts/build.mjs";
import { freePort, peakRssMb, ROOT, start, waitForHealth, waitForPort } from "./processes.js";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);

interface Row {
  scenario: string;
  target: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, stream: boolean, connections: number, seconds: number, key?: string, extra: Record<string, string> = {}): Promise<Omit<Row, "scenario" | "target">> {
  const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }], stream });
  const headers: Record<string, string> = { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
  const r = await autocannon({ url, method: "POST", headers, body, connections, duration: seconds });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts };
}


/** Loads each target in turn, in runs of a second or two, for SECONDS each in all; the runs' mean. */
async function alternate(targets: Array<{ url: string; key?: string }>, stream: boolean): Promise<Array<Omit<Row, "scenario" | "target">>> {
  const turns = Math.max(1, Math.round(SECONDS / 2));
  const runs: Array<Array<Omit<Row, "scenario" | "target">>> = targets.map(() => []);
  for (let t = 0; t < turns; t++) {
    for (let i = 0; i < targets.length; i++) runs[i]!.push(await load(targets[i]!.url, stream, CONNECTIONS, Math.max(1, SECONDS / turns), targets[i]!.key));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return runs.map((r) => ({ rps: mean(r.map((x) => x.rps)), p50: mean(r.map((x) => x.p50)), p99: mean(r.map((x) => x.p99)), errors: r.reduce((n, x) => n + x.errors, 0) }));
}

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

/** A virtual key with every limit on, through the admin API. */
async function createKey(port: number, guardrails?: string[]): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/admin/keys`, {
    method: "POST",
    headers: { authorization: "Bearer bench-admin-token", "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", rpm: 100_000_000, tpm: 1_000_000_000_000, budget: { usd: 1_000_000, period: "day" }, guardrails }),
  });
  if (!res.ok) throw new Error(`could not create the bench key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

async function run() {
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

  const bareProxy = await start(["bench/bare-proxy.ts"], { PORT: String(await freePort()), UPSTREAM: `http://127.0.0.1:${upstream.port}` }, () => undefined);
  await waitForPort(bareProxy.port);

  const direct = `http://127.0.0.1:${upstream.port}/v1/chat/completions`;
  const bare = `http://127.0.0.1:${bareProxy.port}/v1/chat/completions`;
  const through = `http://127.0.0.1:${gateway.port}/v1/chat/completions`;
  const keyedThrough = `http://127.0.0.1:${keyedPort}/v1/chat/completions`;
  const unloggedThrough = `http://127.0.0.1:${unloggedPort}/v1/chat/completions`;
  const rows: Row[] = [];
  try {
    for (const stream of [false, true]) {
      const scenario = stream ? "chat, streamed" : "chat, JSON";
      await load(through, stream, CONNECTIONS, 2); // warm up the JIT and the connection pool
      await load(keyedThrough, stream, CONNECTIONS, 2, key);
      await load(unloggedThrough, stream, CONNECTIONS, 2, unloggedKey);
      await load(keyedThrough, stream, CONNECTIONS, 2, guardedKey);
      for (const [target, url] of [["direct", direct], ["bare proxy", bare]] as const) {
        rows.push({ scenario: `${scenario}, ${CONNECTIONS} conn`, target, ...(await load(url, stream, CONNECTIONS, SECONDS)) });
      }
      // Open and keyed take turns in short runs, so the ratio between them does not depend on which
      // ran while the machine was busier.
      const [open, withKey, withoutLog, guarded] = (await alternate(
        [{ url: through }, { url: keyedThrough, key }, { url: unloggedThrough, key: unloggedKey }, { url: keyedThrough, key: guardedKey }],
        stream,
      )) as Array<Omit<Row, "scenario" | "target">>;
      rows.push(
        { scenario: `${scenario}, ${CONNECTIONS} conn`, target: "gateway", ...open! },
        { scenario: `${scenario}, ${CONNECTIONS} conn`, target: KEYED, ...withKey! },
        { scenario: `${scenario}, ${CONNECTIONS} conn`, target: UNLOGGED, ...withoutLog! },
        { scenario: `${scenario}, ${CONNECTIONS} conn`, target: GUARDED, ...guarded! },
      );
      // The first request stores the answer; every one after it is a hit: one store read, no upstream call.
      await load(keyedThrough, stream, 1, 1, key, CACHE_TTL);
      rows.push({ scenario: `${scenario}, ${CONNECTIONS} conn`, target: CACHED, ...(await load(keyedThrough, stream, CONNECTIONS, SECONDS, key, CACHE_TTL)) });
      const [d, g, kg] = (await sequential([{ url: direct }, { url: through }, { url: keyedThrough, key }], stream, SEQUENTIAL)) as [Omit<Row, "scenario" | "target">, Omit<Row, "scenario" | "target">, Omit<Row, "scenario" | "target">];
      rows.push({ scenario: `${scenario}, 1 at a time`, target: "direct", ...d }, { scenario: `${scenario}, 1 at a time`, target: "gateway", ...g }, { scenario: `${scenario}, 1 at a time`, target: KEYED, ...kg });
    }
  } finally {
    const rss = peakRssMb(gateway.child.pid!);
    gateway.child.kill("SIGTERM");
    keyed.child.kill("SIGTERM");
    keyed.child.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
    unlogged.child.kill("SIGTERM");
    unlogged.child.once("exit", () => rmSync(unloggedDir, { recursive: true, force: true }));
    bareProxy.child.kill("SIGTERM");
    upstream.child.kill("SIGTERM");
    report(rows, rss);
  }
}

/**
 * One request at a time, to each target in turn (direct, the open gateway, the keyed one), timed
 * in microseconds: with no queueing, and each target measured while the machine was as busy for
 * the others, the difference of the medians is what the gateway (and the key) adds to a request.
 */
async function sequential(targets: Array<{ url: string; key?: string }>, stream: boolean, n: number) {
  const pool = new Agent({ keepAliveTimeout: 30_000, connections: 2 });
  const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }], stream });
  const times: number[][] = targets.map(() => []);
  const errors: number[] = targets.map(() => 0);
  const once = async (t: { url: string; key?: string }) => {
    const start = performance.now();
    const headers = { "content-type": "application/json", ...(t.key ? { authorization: `Bearer ${t.key}` } : {}) };
    const r = await request(t.url, { method: "POST", body, headers, dispatcher: pool });
    await r.body.text();
    return [performance.now() - start, r.statusCode] as const;
  };
  for (let i = 0; i < 200; i++) for (const t of targets) await once(t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < targets.length; j++) {
      const [ms, status] = await once(targets[j]!);
      times[j]!.push(ms);
      if (status !== 200) errors[j]!++;
    }
  }
  await pool.close();
  const stats = (xs: number[], e: number) => {
    xs.sort((a, b) => a - b);
    const at = (q: number) => Number(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(3));
    return { rps: 1000 / (xs.reduce((a, b) => a + b, 0) / xs.length), p50: at(0.5), p99: at(0.99), errors: e };
  };
  return times.map((xs, j) => stats(xs, errors[j]!));
}

function report(rows: Row[], rssMb: number) {
  const lines = [
    `| scenario | target | req/s | p50 ms | p99 ms | errors | ÷ direct (req/s) | ÷ bare proxy (req/s) | added p50 ms |`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ];
  const direct = new Map(rows.filter((r) => r.target === "direct").map((r) => [r.scenario, r]));
  const bare = new Map(rows.filter((r) => r.target === "bare proxy").map((r) => [r.scenario, r]));
  for (const r of rows) {
    const d = direct.get(r.scenario)!;
    const b = bare.get(r.scenario);
    const vsDirect = r.target === "direct" ? "" : (r.rps / d.rps).toFixed(2);
    const vsBare = r.target.startsWith("gateway") && b ? (r.rps / b.rps).toFixed(2) : "";
    const added = r.target === "direct" ? "" : (r.p50 - d.p50).toFixed(3);
    lines.push(`| ${r.scenario} | ${r.target} | ${r.rps.toFixed(0)} | ${Number(r.p50.toFixed(3))} | ${Number(r.p99.toFixed(3))} | ${r.errors} | ${vsDirect} | ${vsBare} | ${added} |`);
  }
  lines.push("", `Gateway peak RSS: ${rssMb.toFixed(0)} MB. ${SECONDS} s per load run (the open gateway, the keyed one, the keyed one with its request log off and the keyed one under a PII guardrail policy in alternating runs of about 2 s; the open gateway and the keyed one log every request, bodies off), ${SEQUENTIAL} sequential requests per target (the three in turn), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`);
  const table = lines.join("\n");
  console.log(table);
  writeFileSync(join(ROOT, "bench", "results.md"), `${table}\n`);
  // docs/performance.md quotes the latest table between its bench markers.
  const page = join(ROOT, "docs", "performance.md");
  const doc = readFileSync(page, "utf8");
  const [start, end] = ["<!-- bench:start -->", "<!-- bench:end -->"];
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) writeFileSync(page, `${doc.slice(0, i + start.length)}\n${table}\n${doc.slice(j)}`);
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
