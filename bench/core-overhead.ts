/**
 * `npm run bench:core`: the CPU the gateway's own work costs per request, with no network at all —
 * the whole app (request id, CORS, body limit, auth, limits, validation, routing, dispatch, usage)
 * answering through the in-process mock provider, against the cost of just building and reading
 * the same Request and Response objects. Bundled by esbuild first, as `npm start` runs it.
 */
import { createHash } from "node:crypto";
import { createApp } from "../core/app.js";
import { loadConfig } from "../core/config.js";
import { Gateway } from "../core/gateway.js";
import { fetchClient } from "../core/http.js";
import { silentLogger } from "../core/runtime.js";
import { memoryStore } from "../core/store/memory.js";

const ROUNDS = 5;
const N = Number(process.env.BENCH_CORE_REQUESTS ?? 20_000);

const gw = new Gateway(loadConfig({}, {}, { allowOpen: true }), {
  http: fetchClient,
  log: silentLogger,
  env: {},
  defer: (work) => void work.catch(() => {}),
  store: memoryStore(),
});
const app = createApp(gw);

// The same with a virtual key that has rpm, tpm and a daily budget, counted as the local server counts.
const keyedEnv = { STRAIT_ADMIN_TOKEN: "bench-admin" };
const keyedGw = new Gateway(loadConfig({}, keyedEnv, { allowOpen: true }), {
  http: fetchClient,
  log: silentLogger,
  env: keyedEnv,
  defer: (work) => void work.catch(() => {}),
  store: memoryStore(),
  ownsCounters: true,
  writeBehindMs: 1000,
  sha256Hex: (text) => createHash("sha256").update(text).digest("hex"),
});
const keyedApp = createApp(keyedGw);
const { key } = await keyedGw.keys!.create({ name: "bench", rpm: 100_000_000, tpm: 1_000_000_000_000, budget: { usd: 1_000_000, period: "day" } });
const body = JSON.stringify({ model: "mock/echo", messages: [{ role: "user", content: "hi" }] });
const init = { method: "POST", headers: { "content-type": "application/json", "content-length": String(body.length) }, body };

const throughGateway = async () => (await app.fetch(new Request("http://gateway/v1/chat/completions", init))).text();
const keyedInit = { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } };
const throughKeyed = async () => (await keyedApp.fetch(new Request("http://gateway/v1/chat/completions", keyedInit))).text();
const objectsOnly = async () => {
  await new Request("http://gateway/v1/chat/completions", init).text();
  return new Response(body).text();
};

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
async function perRequest(fn: () => Promise<unknown>): Promise<number> {
  const start = cpuMicros();
  for (let i = 0; i < N; i++) await fn();
  return (cpuMicros() - start) / N;
}

for (let i = 0; i < N; i++) await throughGateway(); // warm up the JIT
for (let i = 0; i < N; i++) await throughKeyed();
const gateway: number[] = [];
const keyed: number[] = [];
const objects: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  objects.push(await perRequest(objectsOnly));
  gateway.push(await perRequest(throughGateway));
  keyed.push(await perRequest(throughKeyed));
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const g = median(gateway);
const o = median(objects);
const k = median(keyed);
console.log(`| app.fetch through the gateway (mock provider) | Request + Response objects alone | the gateway's own work | with a virtual key (rpm, tpm, budget) | the key's own cost |`);
console.log(`| ---: | ---: | ---: | ---: | ---: |`);
console.log(`| ${g.toFixed(1)} µs CPU | ${o.toFixed(1)} µs CPU | ${(g - o).toFixed(1)} µs CPU | ${(k - o).toFixed(1)} µs CPU | ${(k - g).toFixed(1)} µs CPU |`);
console.log(`\nMedian of ${ROUNDS} rounds of ${N} requests, Node ${process.version}.`);
