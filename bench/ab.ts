/**
 * `npm run bench:ab -- <revision>`: the keyed gateway (a virtual key with rpm, tpm and a daily
 * budget, the embedded store, request log on) built from an earlier revision against this
 * checkout's, with the bare proxy beside them (on undici's `request`, and on its dispatcher as the
 * gateway calls upstreams: BARE_CLIENT in bench/bare-proxy.ts), in alternating rounds: the CPU a keyed request
 * costs each process, and requests/s. On a shared machine whose speed moves from minute to minute,
 * two builds measured in turn in the same run are the fair comparison; a figure from another run
 * is not. The revision is built by its own build script in a temporary git worktree. Loopback
 * only; about a minute with the defaults.
 *
 *   BENCH_AB_ROUNDS (default 6)  BENCH_SECONDS (default 3, per target and round)
 *   BENCH_CONNECTIONS (default 32)  BENCH_AB_STREAM=1 (streamed chat)
 *   BENCH_WARMUP (default 4, seconds per target before the rounds)
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildTarget } from "../scripts/build.mjs";
import { BENCH_ADMIN_TOKEN, createKey } from "./keys.js";
import { load, type Target } from "./load.js";
import { atRevision, bareProxyScript, freePort, ROOT, start, stop, waitForHealth, waitForPort } from "./processes.js";

const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 6);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const STREAM = process.env.BENCH_AB_STREAM === "1";
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4);

async function keyedGateway(bundle: string, configPath: string) {
  const port = await freePort();
  const env = { PORT: String(port), STRAIT_CONFIG: configPath, STRAIT_LOG_LEVEL: "warn", STRAIT_DATA_DIR: mkdtempSync(join(tmpdir(), "strait-bench-ab-")), STRAIT_ADMIN_TOKEN: BENCH_ADMIN_TOKEN };
  const { child } = await start([bundle], env, () => undefined);
  await waitForHealth(port);
  return { child, target: { url: `http://127.0.0.1:${port}/v1/chat/completions`, key: await createKey(port), pid: child.pid } as Target };
}

async function main() {
  const rev = process.argv[2];
  if (!rev) throw new Error("usage: npm run bench:ab -- <revision> (a commit, branch or tag to compare this checkout with)");
  const upstream = await start(["bench/upstream.ts"], {}, (l) => JSON.parse(l).port);
  mkdirSync(join(ROOT, ".strait"), { recursive: true });
  const configPath = join(ROOT, ".strait", "bench-ab.config.json");
  writeFileSync(configPath, JSON.stringify({ providers: { openai: { baseUrl: `http://127.0.0.1:${upstream.port}/v1`, apiKeys: ["sk-bench"] } } }));
  const children = [upstream.child];
  try {
    const now = await keyedGateway(await buildTarget("node"), configPath);
    children.push(now.child);
    const result = await atRevision(rev, async (dir) => {
      await promisify(execFile)(process.execPath, ["scripts/build.mjs", "node"], { cwd: dir });
      const before = await keyedGateway(join(dir, "dist/node/index.mjs"), configPath);
      children.push(before.child);
      const bareProxy = async (client: string): Promise<Target> => {
        const port = await freePort();
        const { child } = await start([await bareProxyScript()], { PORT: String(port), UPSTREAM: `http://127.0.0.1:${upstream.port}`, BARE_CLIENT: client }, () => undefined);
        children.push(child);
        await waitForPort(port);
        return { url: `http://127.0.0.1:${port}/v1/chat/completions`, pid: child.pid } as Target;
      };
      const targets: Array<[string, Target]> = [
        ["bare proxy", await bareProxy("request")],
        ["bare proxy, undici dispatcher", await bareProxy("dispatch")],
        [rev, before.target],
        ["this checkout", now.target],
      ];
      for (const [, t] of targets) await load(t, STREAM, CONNECTIONS, WARMUP); // warm up: a fresh gateway's JIT takes several thousand requests to settle
      const sums = targets.map(() => ({ cpu: 0, mainCpu: 0, requests: 0, rps: [] as number[], errors: 0 }));
      for (let round = 0; round < ROUNDS; round++) {
        // Each round in the other order, so neither build always runs right after the other.
        const order = round % 2 ? [3, 2, 1, 0] : [0, 1, 2, 3];
        for (const i of order) {
          const m = await load(targets[i]![1], STREAM, CONNECTIONS, SECONDS);
          const s = sums[i]!;
          s.cpu += (m.cpuPerRequest ?? 0) * (m.requests ?? 0);
          s.mainCpu += (m.mainCpuPerRequest ?? 0) * (m.requests ?? 0);
          s.requests += m.requests ?? 0;
          s.rps.push(Math.round(m.rps));
          s.errors += m.errors;
        }
      }
      return targets.map(([name], i) => ({ name, ...sums[i]! }));
    });
    if (!result) throw new Error(`"${rev}" is not a revision in this clone's history.`);
    const bare = result[0]!;
    console.log(`| keyed ${STREAM ? "streamed" : "JSON"} chat, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s | CPU µs/request | of which main thread | req/s per round | ÷ bare proxy (requests) | errors |`);
    console.log("| --- | ---: | ---: | --- | ---: | ---: |");
    for (const r of result) console.log(`| ${r.name} | ${(r.cpu / r.requests).toFixed(0)} | ${(r.mainCpu / r.requests).toFixed(0)} | ${r.rps.join(" ")} | ${(r.requests / bare.requests).toFixed(2)} | ${r.errors} |`);
  } finally {
    await Promise.all(children.map(stop));
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
