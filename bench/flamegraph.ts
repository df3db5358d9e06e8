/**
 * `npm run flamegraph`: where the gateway's CPU goes under load. Starts the benchmark's upstream
 * and the keyed gateway (the `npm start` bundle, embedded store, a virtual key with every limit,
 * request log on) under `node --cpu-prof`, loads it with autocannon (JSON chat, 32 connections,
 * FLAME_SECONDS, default 8), stops it with SIGTERM so that V8 writes the profile, and renders the
 * profile as docs/flamegraph.svg, and as a table of CPU per request by stage (bench/cpu-stages.ts)
 * in docs/performance.md. The profile itself is kept as dist/bench/gateway.cpuprofile (open
 * it in Chrome DevTools' Performance panel or https://www.speedscope.app).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTarget } from "../scripts/build.mjs";
import { cpuStages, stagesTable } from "./cpu-stages.js";
import { writeBetween } from "./targets.js";
import { type CpuProfile, flameGraphSvg } from "./flame-svg.js";
import { BENCH_ADMIN_TOKEN, createKey } from "./keys.js";
import { load } from "./load.js";
import { freePort, ROOT, start, stop, waitForHealth } from "./processes.js";

const SECONDS = Number(process.env.FLAME_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

async function run() {
  const upstream = await start(["bench/upstream.ts"], {}, (l) => JSON.parse(l).port);
  const configPath = join(ROOT, ".strait", "bench.config.json");
  mkdirSync(join(ROOT, ".strait"), { recursive: true });
  writeFileSync(configPath, JSON.stringify({ providers: { openai: { baseUrl: `http://127.0.0.1:${upstream.port}/v1`, apiKeys: ["sk-bench"] } } }));
  const profileDir = mkdtempSync(join(tmpdir(), "strait-profile-"));
  const dataDir = mkdtempSync(join(tmpdir(), "strait-bench-"));
  const port = await freePort();
  const env = { PORT: String(port), STRAIT_CONFIG: configPath, STRAIT_LOG_LEVEL: "warn", STRAIT_DATA_DIR: dataDir, STRAIT_ADMIN_TOKEN: BENCH_ADMIN_TOKEN, STRAIT_SHUTDOWN_TIMEOUT_MS: "2000" };
  const bundle = await buildTarget("node");
  let requests = 0;
  const gateway = await start([bundle], env, () => undefined, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`]);
  try {
    await waitForHealth(port);
    const key = await createKey(port);
    const target = { url: `http://127.0.0.1:${port}/v1/chat/completions`, key };
    const warm = await load(target, false, CONNECTIONS, 2); // warm up: the profile then shows the steady state mostly
    const r = await load(target, false, CONNECTIONS, SECONDS);
    requests = (warm.requests ?? 0) + (r.requests ?? 0);
    console.log(`${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} errors over ${SECONDS} s`);
  } finally {
    // The profile is written as the process exits: wait for it.
    await stop(gateway.child);
    await stop(upstream.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${profileDir}: did the gateway exit cleanly?`);
  const kept = join(ROOT, "dist", "bench", "gateway.cpuprofile");
  mkdirSync(join(ROOT, "dist", "bench"), { recursive: true });
  copyFileSync(join(profileDir, file), kept);
  rmSync(profileDir, { recursive: true, force: true });
  const profile = JSON.parse(readFileSync(kept, "utf8")) as CpuProfile;
  const svg = flameGraphSvg(profile, { title: `Strait under load: keyed gateway, JSON chat, ${CONNECTIONS} connections, ${SECONDS} s (${new Date().toISOString().slice(0, 10)}, Node ${process.version})` });
  const out = join(ROOT, "docs", "flamegraph.svg");
  writeFileSync(out, svg);
  console.log(`wrote ${out} (${(svg.length / 1024).toFixed(0)} KB) and ${kept}`);
  // The same profile by stage, over every request it served (the warm-up's too; start-up is spread over them).
  const table = stagesTable(cpuStages(kept, bundle, requests));
  console.log(table);
  writeBetween(join(ROOT, "docs", "performance.md"), "stages", `${table}\n\n${requests} requests, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`);
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
