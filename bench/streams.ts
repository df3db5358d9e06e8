/**
 * `npm run bench:streams`: many slow streams held open at once through one gateway process — the
 * shape of a team's coding agents waiting on long answers. A local upstream sends one token every
 * STREAMS_TOKEN_MS (50) for STREAMS_SECONDS (20); STREAMS (1000) clients stream through the
 * gateway (the `npm start` bundle, memory store) at once, arriving over the first token interval
 * (STREAMS_LOCKSTEP=1: all in the same instant, their tokens in lockstep). Reported: how many completed whole, the
 * gateway's peak RSS, and its event loop's delay (its own /metrics); then the same for the bare
 * proxy (bench/bare-proxy.ts) under the same streams, the floor for any proxy on Node. Loopback
 * only, bounded in time.
 * `npm run bench` runs the same measurement (`slowStreams()`) for its targets table.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Agent, request } from "undici";
import { cpuMicros } from "./cpu.js";
import { buildTarget } from "../scripts/build.mjs";
import { bareProxyScript, freePort, isMain, peakRssMb, ROOT, start, stop, waitForHealth, waitForPort } from "./processes.js";

export interface StreamsOptions {
  streams: number;
  seconds: number;
  tokenMs: number;
  /** All streams start at once, their tokens in lockstep (the worst case), rather than spread over the first token interval. */
  lockstep?: boolean;
}

/** What one process did with the streams. */
export interface StreamsRun {
  complete: number;
  wallSeconds: number;
  peakRssMb: number;
  /** The process's event-loop delay, milliseconds. */
  delay: { p50: number; p99: number; max: number };
  /** The process's CPU (user + system) over the run, per chunk it passed on, µs. */
  cpuPerChunk: number;
  /** The first stream that did not end whole, if any. */
  failure?: string;
}

/** The gateway's run, and the bare proxy's under the same streams (the floor for any Node proxy). */
export interface StreamsResult extends StreamsOptions, StreamsRun {
  bare: StreamsRun;
}

export const streamsOptionsFromEnv = (): StreamsOptions => ({
  streams: Number(process.env.STREAMS ?? 1000),
  seconds: Number(process.env.STREAMS_SECONDS ?? 20),
  tokenMs: Number(process.env.STREAMS_TOKEN_MS ?? 50),
  lockstep: process.env.STREAMS_LOCKSTEP === "1",
});

/** An OpenAI-compatible upstream that answers every chat request with a slow stream. */
/** The tokens of one answer; the upstream writes each as a chunk, then the finish chunk and [DONE] in one. */
const tokensOf = ({ seconds, tokenMs }: StreamsOptions) => Math.round((seconds * 1000) / tokenMs);

async function slowUpstream(opts: StreamsOptions): Promise<{ port: number; close(): void }> {
  const { streams } = opts;
  const tokens = tokensOf(opts);
  const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "slow", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant", content: "" }));
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        if (++sent < tokens) return void res.write(chunk({ content: `t${sent} ` }));
        clearInterval(timer);
        res.end(`${chunk({}, "stop")}data: [DONE]\n\n`);
      }, opts.tokenMs);
    });
  });
  server.maxConnections = streams * 2;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

/** `streams` slow streams at once through the process listening on `port`. */
async function drive(opts: StreamsOptions, port: number, pid: number, delay: () => Promise<StreamsRun["delay"]>): Promise<StreamsRun> {
  const { streams, seconds } = opts;
  const pool = new Agent({ connections: streams, pipelining: 1, bodyTimeout: (seconds + 30) * 1000, headersTimeout: 30_000 });
  const body = JSON.stringify({ model: "openai/slow", stream: true, messages: [{ role: "user", content: "Write slowly." }] });
  let failure: string | undefined;
  const started = performance.now();
  const cpuBefore = cpuMicros(pid);
  const one = async (_: unknown, i: number): Promise<boolean> => {
    // Arrivals spread over the first token interval, so that the streams' tokens are not in
    // lockstep (independent agents are not): STREAMS_LOCKSTEP=1 starts them all at once.
    if (!opts.lockstep) await new Promise((r) => setTimeout(r, (i * opts.tokenMs) / streams));
    const res = await request(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" }, dispatcher: pool });
    const text = await res.body.text();
    const whole = res.statusCode === 200 && text.endsWith("data: [DONE]\n\n");
    if (!whole && !failure) failure = `${res.statusCode}: ${text.slice(-200)}`;
    return whole;
  };
  const results = await Promise.allSettled(Array.from({ length: streams }, one));
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuPerChunk = (cpuMicros(pid) - cpuBefore) / (streams * (tokensOf(opts) + 1));
  const complete = results.filter((r) => r.status === "fulfilled" && r.value).length;
  await pool.close();
  if (complete !== streams && !failure) failure = String((results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined)?.reason);
  return { complete, wallSeconds, peakRssMb: peakRssMb(pid), delay: await delay(), cpuPerChunk, ...(failure ? { failure } : {}) };
}

/** The slow streams through a fresh gateway process (the `npm start` bundle), then through a fresh bare proxy. */
export async function slowStreams(opts: StreamsOptions): Promise<StreamsResult> {
  const upstream = await slowUpstream(opts);
  try {
    const port = await freePort();
    const metricsPort = await freePort();
    const configPath = join(ROOT, ".strait", "bench-streams.config.json");
    mkdirSync(join(ROOT, ".strait"), { recursive: true });
    writeFileSync(configPath, JSON.stringify({ providers: { openai: { baseUrl: `http://127.0.0.1:${upstream.port}/v1`, apiKeys: ["sk-bench"] } } }));
    const gateway = await start([await buildTarget("node")], { PORT: String(port), STRAIT_CONFIG: configPath, STRAIT_STORE: "memory", STRAIT_LOG_LEVEL: "warn", STRAIT_METRICS_PORT: String(metricsPort) }, () => undefined);
    let run: StreamsRun;
    try {
      await waitForHealth(port);
      run = await drive(opts, port, gateway.child.pid!, async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        const quantile = (q: string) => Number(new RegExp(`^nodejs_eventloop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, "m").exec(metrics)?.[1] ?? Number.NaN) * 1000;
        return { p50: quantile("0.5"), p99: quantile("0.99"), max: quantile("1") };
      });
    } finally {
      await stop(gateway.child);
    }
    const bareProxy = await start([await bareProxyScript()], { PORT: String(await freePort()), UPSTREAM: `http://127.0.0.1:${upstream.port}` }, () => undefined);
    try {
      await waitForPort(bareProxy.port);
      const bare = await drive(opts, bareProxy.port, bareProxy.child.pid!, async () => (await fetch(`http://127.0.0.1:${bareProxy.port}/__eventloop`)).json() as Promise<StreamsRun["delay"]>);
      return { ...opts, ...run, bare };
    } finally {
      await stop(bareProxy.child);
    }
  } finally {
    upstream.close();
  }
}

export function streamsTable(r: StreamsResult): string {
  const row = (name: string, x: StreamsRun) =>
    `| ${name} | ${r.streams} × ${r.seconds} s (a token every ${r.tokenMs} ms) | ${x.complete} | ${x.wallSeconds.toFixed(1)} s | ${x.peakRssMb.toFixed(0)} MB | ${x.delay.p50.toFixed(1)} ms | ${x.delay.p99.toFixed(1)} ms | ${x.delay.max.toFixed(1)} ms | ${x.cpuPerChunk.toFixed(1)} µs |`;
  return `| through | streams | completed whole | wall time | peak RSS | event-loop delay p50 | p99 | max | CPU per chunk |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${row("gateway", r)}
${row("bare proxy", r.bare)}`;
}

if (isMain(import.meta.url)) {
  slowStreams(streamsOptionsFromEnv())
    .then((r) => {
      console.log(`${streamsTable(r)}

Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; the gateway is the \`npm start\` bundle on the memory store, logging off.`);
      if (r.complete !== r.streams) {
        console.error(`${r.streams - r.complete} streams did not complete; the first: ${r.failure}`);
        process.exitCode = 1;
      }
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
