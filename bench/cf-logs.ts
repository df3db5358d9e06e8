/**
 * Where the request log lives on Cloudflare, measured locally: batched writes and filtered pages
 * through the Cloudflare store (StoreObject SQLite, 8 shards) and, for comparison, the same table
 * in one D1 database. Both run in workerd through Miniflare, on the local disk: this compares the
 * designs' local costs (calls, SQL, fan-out), not Cloudflare's network, which adds a round trip
 * per call to either.
 *
 *   npx tsx bench/cf-logs.ts [--entries 20000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const args = process.argv.slice(2);
const ENTRIES = Number(args[args.indexOf("--entries") + 1]) || 20_000;

const dir = mkdtempSync(join(tmpdir(), "cf-logs-"));
await build({
  entryPoints: [join(import.meta.dirname, "cf-logs-worker.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  outfile: join(dir, "worker.mjs"),
  logLevel: "warning",
});
const mf = new Miniflare({
  modules: true,
  scriptPath: join(dir, "worker.mjs"),
  modulesRoot: dir,
  compatibilityDate: "2026-04-20",
  kvNamespaces: ["STRAIT_KV"],
  durableObjects: { STRAIT_OBJECTS: { className: "StoreObject", useSQLite: true } },
  d1Databases: ["DB"],
  defaultPersistRoot: join(dir, "state"),
});

async function call(op: string, input: object): Promise<any> {
  const res = await mf.dispatchFetch(`http://bench/${op}`, { method: "POST", body: JSON.stringify(input) });
  if (!res.ok) throw new Error(`${op}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function medianMs(fn: () => Promise<unknown>, runs = 15): Promise<string> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) ms.push(await timed(fn));
  ms.sort((a, b) => a - b);
  return ms[Math.floor(runs / 2)]!.toFixed(1);
}

await call("d1-schema", {});
let written = 0;
console.log(`| writes: ${"entries, batch, concurrency".padEnd(28)} | StoreObject, 8 shards (entries/s) | one D1 database (entries/s) |`);
console.log("| --- | --- | --- |");
for (const [n, batch, concurrency] of [
  [2_000, 1, 16],
  [4_000, 10, 16],
  [ENTRIES - 6_000, 50, 16],
] as const) {
  const input = { from: written, n, batch, concurrency };
  const doMs = await timed(() => call("do-put", input));
  const d1Ms = await timed(() => call("d1-put", input));
  written += n;
  console.log(`| ${`${n}, ${batch}, ${concurrency}`.padEnd(36)} | ${Math.round((n / doMs) * 1000)} | ${Math.round((n / d1Ms) * 1000)} |`);
}

console.log(`\n| a page of 50, ${written} entries stored | StoreObject, 8 shards (ms) | one D1 database (ms) |`);
console.log("| --- | --- | --- |");
const filters: Array<[string, object]> = [
  ["no filter", {}],
  ["one key (1 in 100)", { keyId: "key_7" }],
  ["metadata (1 in 20)", { metadata: { name: "run", value: "tagged" } }],
  ["status 5xx (1 in 10)", { statusClass: 5 }],
];
for (const [name, filter] of filters) {
  console.log(`| ${name} | ${await medianMs(() => call("do-list", { filter }))} | ${await medianMs(() => call("d1-list", { filter }))} |`);
}
await mf.dispose();
rmSync(dir, { recursive: true, force: true });
