/**
 * The load the benchmarks send: autocannon at a number of connections (closed loop), the same in
 * alternating short runs, and one request at a time timed in microseconds. Each target may name
 * the process that serves it (`pid`): its CPU time over the runs, divided by the requests it
 * answered, is the CPU a request costs it.
 */
import autocannon from "autocannon";
import { Agent, request } from "undici";
import { cpuMicros, mainThreadCpuMicros } from "./cpu.js";

export interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Requests answered in all (load runs). */
  requests?: number;
  /** Microseconds of the serving process's CPU per answered request (when its pid is known). */
  cpuPerRequest?: number;
  /** Of that, its main thread's (the rest is V8's and libuv's helper threads). */
  mainCpuPerRequest?: number;
}

export interface Target {
  url: string;
  key?: string;
  /** The process that serves the target, whose CPU is measured over the load. */
  pid?: number;
  /** Extra request headers. */
  extra?: Record<string, string>;
}

export const chatBody = (stream: boolean) => JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }], stream });

const headersOf = (t: Target): Record<string, string> => ({ "content-type": "application/json", ...(t.key ? { authorization: `Bearer ${t.key}` } : {}), ...t.extra });

interface Run extends Omit<Measured, "cpuPerRequest" | "mainCpuPerRequest"> {
  cpu?: number;
  mainCpu?: number;
}

async function once(t: Target, stream: boolean, connections: number, seconds: number): Promise<Run> {
  const before = t.pid ? [cpuMicros(t.pid), mainThreadCpuMicros(t.pid)] : undefined;
  const r = await autocannon({ url: t.url, method: "POST", headers: headersOf(t), body: chatBody(stream), connections, duration: seconds });
  const cpu = t.pid && before ? { cpu: cpuMicros(t.pid) - before[0]!, mainCpu: mainThreadCpuMicros(t.pid) - before[1]! } : {};
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts, requests: r.requests.total, ...cpu };
}

function combine(runs: Run[]): Measured {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const requests = runs.reduce((n, r) => n + (r.requests ?? 0), 0);
  const cpu = runs.every((r) => r.cpu !== undefined) ? runs.reduce((n, r) => n + r.cpu!, 0) : undefined;
  const mainCpu = runs.every((r) => r.mainCpu !== undefined) ? runs.reduce((n, r) => n + r.mainCpu!, 0) : undefined;
  return {
    rps: mean(runs.map((x) => x.rps)),
    p50: mean(runs.map((x) => x.p50)),
    p99: mean(runs.map((x) => x.p99)),
    errors: runs.reduce((n, x) => n + x.errors, 0),
    requests,
    ...(cpu !== undefined && requests > 0 ? { cpuPerRequest: cpu / requests } : {}),
    ...(mainCpu !== undefined && requests > 0 ? { mainCpuPerRequest: mainCpu / requests } : {}),
  };
}

/** One autocannon run: `connections` connections, each sending its next request when the last is answered. */
export async function load(t: Target, stream: boolean, connections: number, seconds: number): Promise<Measured> {
  return combine([await once(t, stream, connections, seconds)]);
}

/**
 * Loads each target in turn, in runs of about two seconds, for `seconds` each in all; the runs'
 * mean. The ratio between targets then does not depend on which ran while the machine was busier.
 */
export async function alternate(targets: Target[], stream: boolean, connections: number, seconds: number): Promise<Measured[]> {
  const turns = Math.max(1, Math.round(seconds / 2));
  const runs: Run[][] = targets.map(() => []);
  for (let t = 0; t < turns; t++) {
    for (let i = 0; i < targets.length; i++) runs[i]!.push(await once(targets[i]!, stream, connections, Math.max(1, seconds / turns)));
  }
  return runs.map(combine);
}

/** The p50 and p99 of a list of milliseconds (sorted in place). */
export function percentiles(xs: number[]): { p50: number; p99: number } {
  xs.sort((a, b) => a - b);
  const at = (q: number) => Number(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!.toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * One request at a time, to each target in turn, timed in microseconds: with no queueing, and each
 * target measured while the machine was as busy for the others, the difference of the medians is
 * what the gateway (and the key) adds to a request.
 */
export async function sequential(targets: Target[], stream: boolean, n: number): Promise<Measured[]> {
  const pool = new Agent({ keepAliveTimeout: 30_000, connections: 2 });
  const body = chatBody(stream);
  const times: number[][] = targets.map(() => []);
  const errors: number[] = targets.map(() => 0);
  const one = async (t: Target) => {
    const start = performance.now();
    const r = await request(t.url, { method: "POST", body, headers: headersOf(t), dispatcher: pool });
    await r.body.text();
    return [performance.now() - start, r.statusCode] as const;
  };
  for (let i = 0; i < 200; i++) for (const t of targets) await one(t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < targets.length; j++) {
      const [ms, status] = await one(targets[j]!);
      times[j]!.push(ms);
      if (status !== 200) errors[j]!++;
    }
  }
  await pool.close();
  return times.map((xs, j) => ({ rps: 1000 / (xs.reduce((a, b) => a + b, 0) / xs.length), ...percentiles(xs), errors: errors[j]! }));
}
