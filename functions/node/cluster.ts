/**
 * STRAIT_WORKERS=N (N > 1): the local server as N HTTP worker processes on one port (node:cluster).
 * The primary serves no HTTP: it opens the store once and, for the embedded and memory stores
 * (which only one process may count on), counts every limit in its memory and answers the
 * workers' store calls over IPC (ipc-store.ts), so limits stay exact across workers. On DynamoDB
 * each worker opens its own client, as separate hosts would. The primary restarts a worker that
 * dies and, on SIGTERM or SIGINT, lets every worker finish its requests before closing the store.
 */
import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { ConfigError, type Config } from "../../core/config.js";
import { Gateway } from "../../core/gateway.js";
import { processCounters } from "../../core/lifecycle/counters.js";
import type { Logger } from "../../core/runtime.js";
import type { Store } from "../../core/store/types.js";
import { WriteBehind } from "../../core/usage/coalesce.js";
import { announceAccess, DeferredWork } from "../boot.js";
import { undiciClient } from "./http-client.js";
import { type Channel, ipcStore, serveStore } from "./ipc-store.js";
import { type RunningServer, startServer } from "./server.js";
import { openNodeStore } from "./store.js";

type Env = Readonly<Record<string, string | undefined>>;

export const MAX_WORKERS = 256;

/** A worker that lived less than this before dying counts as a crash loop: its next start waits longer. */
const STABLE_MS = 10_000;
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 30_000;
/** After the workers' own shutdown bound, how long the primary still waits before it kills them. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Set by the primary on each worker it forks: "primary" when the worker's store is the primary's, over IPC. */
const WORKER_STORE_ENV = "STRAIT_WORKER_STORE";

export interface ServeOptions {
  config: Config;
  env: Env;
  log: Logger;
  host: string;
  port: number;
  writeBehindMs: number;
  shutdownTimeoutMs: number;
}

/** STRAIT_WORKERS: unset or empty = 1; "auto" = one per core; else a whole number from 1 to 256. */
export function parseWorkers(raw: string | undefined, cores = availableParallelism()): number {
  const value = (raw ?? "").trim().toLowerCase();
  if (!value) return 1;
  if (value === "auto") return Math.min(cores, MAX_WORKERS);
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (n >= 1 && n <= MAX_WORKERS) return n;
  throw new ConfigError(
    `STRAIT_WORKERS must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per core: ${cores} here); got "${raw}". ` +
      "Set STRAIT_WORKERS=auto, or unset it to run one process.",
  );
}

/** The store a worker counts on: the primary's over IPC, or one it opens itself (DynamoDB, none). */
async function workerStore(env: Env, log: Logger): Promise<{ store?: Store; close(): Promise<void> }> {
  if (env[WORKER_STORE_ENV] === "primary") return { store: await ipcStore(process as unknown as Channel), close: async () => {} };
  return openNodeStore(env, log);
}

/** One HTTP worker: the server on the shared port, counting nowhere itself (ownsCounters false). */
export async function runWorker(opts: ServeOptions): Promise<void> {
  const { log } = opts;
  let store: { close(): Promise<void> } | undefined;
  let server: RunningServer | undefined;
  let closing: Promise<void> | undefined;
  // Told to stop while still starting, it stops at once: it has served nothing yet.
  const stop = () =>
    (closing ??= (async () => {
      await server?.close();
      await store?.close().catch((e) => log.error("could not close the store cleanly", { error: String(e?.message ?? e) }));
      process.exit(0);
    })());
  // The primary's SIGTERM, or Ctrl-C's SIGINT (it reaches the whole process group).
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void stop());
  const opened = await workerStore(opts.env, log);
  store = opened;
  server = await startServer({ ...opts, store: opened.store, ownsCounters: false });
}

/** The primary: the store, the workers, their restarts and the shutdown. Serves no HTTP. */
export async function runPrimary(opts: ServeOptions & { workers: number }): Promise<void> {
  const { env, log, config } = opts;
  const opened = await openNodeStore(env, log);
  const work = new DeferredWork(log);
  let gateway: Gateway;
  try {
    // Built once here, though it serves nothing: a config error stops the start once, not in every worker.
    gateway = new Gateway(config, { http: undiciClient(), log, env, store: opened.store, defer: work.defer });
  } catch (e) {
    await opened.close();
    throw e;
  }
  // Only a store this process alone counts on is served; the workers on DynamoDB open their own.
  const behind = new WriteBehind(opts.writeBehindMs);
  const served = opened.ownsCounters && opened.store ? { ...opened.store, limits: processCounters(opened.store.limits, { defer: work.defer, behind }) } : undefined;

  cluster.setupPrimary({ serialization: "advanced" });
  const started = new Map<Worker, number>();
  const failures = new Map<number, number>();
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  /** Until every first worker listens, a worker's exit fails the start rather than being restarted. */
  let listening = false;

  /** Forks the worker of `slot` (0..N-1); its calls on the store are answered from its first message. */
  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ [WORKER_STORE_ENV]: served ? "primary" : "own" });
    if (served) serveStore(served, worker as unknown as Channel);
    started.set(worker, Date.now());
    worker.once("exit", (code, signal) => {
      const lived = Date.now() - started.get(worker)!;
      started.delete(worker);
      if (stopping || !listening) return;
      const failed = lived < STABLE_MS ? (failures.get(slot) ?? 0) + 1 : 0;
      failures.set(slot, failed);
      const delay = failed === 0 ? 0 : Math.min(FIRST_RESTART_DELAY_MS * 2 ** (failed - 1), MAX_RESTART_DELAY_MS);
      log.warn("worker exited; starting another", { pid: worker.process.pid, code, signal, restartInMs: delay });
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (stopping) return;
        const next = fork(slot);
        next.once("listening", () => log.info("worker replaced", { pid: next.process.pid, replaces: worker.process.pid }));
      }, delay);
      restarts.add(timer);
    });
    return worker;
  };

  let shutdown: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals) =>
    (shutdown ??= (async () => {
      log.info("shutting down", { signal, workers: started.size });
      stopping = true;
      for (const t of restarts) clearTimeout(t);
      await stopWorkers([...started.keys()], opts.shutdownTimeoutMs + SHUTDOWN_GRACE_MS, log);
      behind.close();
      await work.drained();
      await opened.close().catch((e) => log.error("could not close the store cleanly", { error: String(e?.message ?? e) }));
      process.exit(0);
    })());
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void stop(signal));

  const first = Array.from({ length: opts.workers }, (_, slot) => fork(slot));
  try {
    const addresses = await Promise.all(
      first.map(
        (w) =>
          new Promise<{ address: string; port: number }>((resolve, reject) => {
            w.once("listening", resolve);
            w.once("exit", (code) => reject(new Error(`a worker exited with code ${code} before it listened (its error is above)`)));
          }),
      ),
    );
    listening = true;
    const { port } = addresses[0]!;
    const url = `http://${opts.host.includes(":") ? `[${opts.host}]` : opts.host}:${port}`;
    const providers = gateway.routeNames().filter((n) => gateway.isListed(gateway.route(n)!));
    log.info("listening", { url, providers, store: opened.description, workers: opts.workers, pids: first.map((w) => w.process.pid) });
  } catch (e) {
    // A signal during the start: its shutdown closes the workers and the store.
    if (stopping) return;
    stopping = true;
    for (const w of first) w.process.kill("SIGKILL");
    await opened.close().catch(() => {});
    throw e;
  }

  await announceAccess(gateway, "node");
}

/** Asks each worker to close (SIGTERM: heard even while it starts), waits for all to exit, and kills those still there after `timeoutMs`. */
async function stopWorkers(workers: Worker[], timeoutMs: number, log: Logger): Promise<void> {
  const exited = workers.map((w) => (w.isDead() ? Promise.resolve() : new Promise<void>((resolve) => w.once("exit", () => resolve()))));
  for (const w of workers) w.process.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
  if ((await Promise.race([Promise.all(exited), late])) === "late") {
    const left = workers.filter((w) => !w.isDead());
    log.warn("workers did not close in time: killed", { pids: left.map((w) => w.process.pid) });
    for (const w of left) w.process.kill("SIGKILL");
    await Promise.all(exited);
  }
  clearTimeout(timer);
}
