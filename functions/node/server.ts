import { type HttpBindings, getRequestListener } from "@hono/node-server";
import * as nodeCrypto from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "../../core/config.js";
import type { Gateway } from "../../core/gateway.js";
import type { Logger } from "../../core/runtime.js";
import type { Store } from "../../core/store/types.js";
import { type App, buildGateway, DeferredWork } from "../boot.js";
import { undiciClient } from "./http-client.js";
import { watchClient } from "./client-watch.js";
import { writeStreamed } from "./stream-writer.js";
import { directApi } from "./direct-api.js";
import { streamedParts } from "../../core/response-parts.js";
import { MetricsRegistry } from "../../core/telemetry/prometheus.js";
import { processMetrics } from "./process-metrics.js";

export interface ServerOptions {
  config: Config;
  host?: string;
  port?: number;
  log: Logger;
  env?: Record<string, string | undefined>;
  /** Keys, cache, counters, usage (see ./store.ts); none = gateway tokens only. The caller closes it after `close()`. */
  store?: Store;
  /** Only this process counts on `store` (see Runtime.ownsCounters): limit windows in memory, no store round trip per request. */
  ownsCounters?: boolean;
  /** Usage rows and spend written this long after the answer, merged (npm start: 1000). */
  writeBehindMs?: number;
  /** How long SIGTERM waits for in-flight requests and streams before closing them. */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  gateway: Gateway;
  /** Stops accepting, lets in-flight requests finish (bounded), then runs deferred work out. */
  close(): Promise<void>;
  /** Resolves once the work deferred after the answers so far (cache and usage writes) is done. */
  settled(): Promise<boolean>;
  /** Where Prometheus metrics are served without a token, when STRAIT_METRICS_PORT is set. */
  metricsUrl?: string;
}

/**
 * Node's native SHA-256, for the key hashed on every request: the one-shot crypto.hash (Node ≥
 * 20.12) costs a third of a Hash object's create-update-digest, itself a tenth of the JS one's.
 */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;
const sha256Hex = oneShot ? (text: string) => oneShot("sha256", text, "hex") : (text: string) => nodeCrypto.createHash("sha256").update(text).digest("hex");

/**
 * What tells @hono/node-server an answer was written already (its RESPONSE_ALREADY_SENT marker).
 * It must be a platform Response: node-server's own lightweight one, which `Response` is once a
 * server runs, would be written again. Made on first use, when that class is in place.
 */
let alreadySent: Response | undefined;
function sentMarker(): Response {
  const parent = Object.getPrototypeOf(Response);
  const Platform: typeof Response = parent === Function.prototype ? Response : parent;
  return (alreadySent ??= new Platform(null, { headers: { "x-hono-already-sent": "true" } }));
}

/** The app's answer; a streamed one the adapter writes itself (stream-writer.ts), telling @hono/node-server it is sent. */
async function answer(app: App, req: Request, env: HttpBindings): Promise<Response> {
  const res = await app.fetch(req, env);
  const streamed = streamedParts(res);
  if (!streamed) return res;
  await writeStreamed(streamed, env.outgoing);
  return sentMarker();
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const work = new DeferredWork(opts.log);
  const { gateway, app } = buildGateway(opts.config, { http: undiciClient(), log: opts.log, env: opts.env ?? process.env, store: opts.store, defer: work.defer, sha256Hex, watchClient, ownsCounters: opts.ownsCounters, writeBehindMs: opts.writeBehindMs, metrics: new MetricsRegistry({ runtime: processMetrics() }) });
  const host = opts.host ?? "127.0.0.1";
  // The API routes straight from node:http; the rest (admin, dashboard, pass-through, …) through the Hono app.
  const server = createServer(directApi(gateway, getRequestListener((req, env) => answer(app, req, env as HttpBindings))));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8787, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const metricsPort = opts.config.telemetry.metrics.port;
  const metrics = metricsPort === undefined ? undefined : await serveMetrics(gateway, metricsPort);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      metrics?.close();
      server.closeIdleConnections();
      const timeout = opts.shutdownTimeoutMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise<void>((r) => (timer = setTimeout(r, timeout)))]);
      clearTimeout(timer);
      server.closeAllConnections();
      gateway.flush();
      await work.drained();
    })());
  return { url, gateway, close, settled: () => work.drained(10_000), ...(metrics ? { metricsUrl: metrics.url } : {}) };
}

/**
 * Prometheus metrics on their own port, on loopback only and without a token (STRAIT_METRICS_PORT):
 * for a scraper on the same host. Without the port, /metrics on the gateway asks for the admin token.
 */
async function serveMetrics(gateway: Gateway, port: number): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found: metrics are at GET /metrics\n");
      return;
    }
    const metrics = gateway.runtime.metrics!;
    res.writeHead(200, { "content-type": metrics.contentType }).end(metrics.render());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, close: () => server.close() };
}
