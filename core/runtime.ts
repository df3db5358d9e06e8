import type { Cancel } from "./cancel.js";
import type { HttpClient } from "./http.js";
import type { Store } from "./store/types.js";
import type { CallRecord } from "./types.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** Writes (or drops) a line at once: `fields` may be an object the caller changes later, so it is not kept. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** What a runtime adapter (functions/*) hands the core: plain values, no runtime globals. */
export interface Runtime {
  http: HttpClient;
  /** Work after the response: ctx.waitUntil on Workers, awaited at stream end on Lambda, tracked on Node. */
  defer(work: Promise<unknown>): void;
  log: Logger;
  env: Env;
  /** Keys, cache, counters, usage. Absent = no state: no virtual keys, limits or cache. */
  store?: Store;
  /**
   * This process is the only one counting on `store` (the local server on its embedded or memory
   * store): limit windows are kept in memory, exact and with no store round trip.
   */
  ownsCounters?: boolean;
  /** SHA-256 of a short string in hex, natively (Node's crypto); default: the JS one in core/crypto.ts. Keys are hashed on every request. */
  sha256Hex?(text: string): string;
  /** Metrics this process keeps and serves at /metrics (Prometheus on the local server): told of every finished call. */
  metrics?: MetricsSink;
  /** Usage rows and spend are written this long after the answer, merged (the local server: 1000). Default 0: at once. */
  writeBehindMs?: number;
  /**
   * A Cancel that aborts when the client of this request (Hono's `c.env`) leaves, where the runtime
   * can tell more cheaply than through the request's AbortSignal (Node: the response's close).
   * Absent: the request's signal.
   */
  watchClient?(env: unknown): Cancel | undefined;
}

export interface MetricsSink {
  observe(record: CallRecord): void;
  /** The exposition text. */
  render(): string;
  readonly contentType: string;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
