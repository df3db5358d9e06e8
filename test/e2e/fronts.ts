/**
 * The three fronts the end-to-end suite runs against, started by one switch (`startFront(name)`),
 * each as a user runs it and reached over real HTTP:
 *   node    the local server (functions/node/server.ts) on a loopback port, on the memory store it
 *           owns (`STRAIT_STORE=memory npm start`)
 *   lambda  the Lambda bundle exactly as built for deploy, under aws-lambda-ric, behind the
 *           Function URL stand-in (test/helpers/lambda-runtime-api.ts), on the DynamoDB store
 *           over dynalite, as the CDK stack sets it up
 *   worker  the Worker bundle exactly as built for deploy, in workerd (Miniflare) with its KV
 *           namespace and Durable Object, served on a loopback port
 * E2E_FRONTS=node,worker narrows the list; a front whose prerequisite is missing is skipped with
 * a printed reason (test/helpers/optional.ts), and fails in CI.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { Miniflare } from "miniflare";
import { loadConfig } from "../../core/config.js";
import { silentLogger } from "../../core/runtime.js";
import { createTables } from "../../core/store/dynamodb/tables.js";
import { memoryStore } from "../../core/store/memory.js";
import { startServer } from "../../functions/node/server.js";
import { buildTarget } from "../../scripts/build.mjs";
import { runFunction } from "../lambda/run-function.js";
import { lambdaRic, type Prerequisite } from "../helpers/optional.js";

export type FrontName = "node" | "lambda" | "worker";

export interface Front {
  name: FrontName;
  /** The gateway's base URL: `${url}/v1` for the OpenAI SDK. */
  url: string;
  close(): Promise<void>;
}

export interface FrontOptions {
  /** The config file (STRAIT_CONFIG_JSON). */
  config: unknown;
  /** Settings, as environment variables (Worker vars, Lambda environment). */
  env: Record<string, string>;
}

const ROOT = join(import.meta.dirname, "../..");

/** Every front, or those E2E_FRONTS names. */
export function frontNames(): FrontName[] {
  const all: FrontName[] = ["node", "lambda", "worker"];
  const chosen = process.env.E2E_FRONTS?.split(",").map((s) => s.trim());
  return chosen ? all.filter((f) => chosen.includes(f)) : all;
}

/** What a front needs beyond `npm ci`. */
export function frontPrerequisite(name: FrontName): Prerequisite {
  return name === "lambda" ? lambdaRic() : { ok: true };
}

export function startFront(name: FrontName, opts: FrontOptions): Promise<Front> {
  if (name === "lambda") return startLambda(opts);
  if (name === "worker") return startWorker(opts);
  return startNode(opts);
}

async function startNode(opts: FrontOptions): Promise<Front> {
  const config = loadConfig(opts.config, opts.env, { allowOpen: false });
  const server = await startServer({ config, host: "127.0.0.1", port: 0, log: silentLogger, env: opts.env, store: memoryStore(), ownsCounters: true, shutdownTimeoutMs: 2_000 });
  return { name: "node", url: server.url, close: () => server.close() };
}

/** The bundles, built once per test process. */
const bundles = new Map<string, Promise<string>>();
function bundle(target: "lambda" | "worker"): Promise<string> {
  let built = bundles.get(target);
  if (!built) {
    const outfile = join(ROOT, `dist/e2e-${target}`, target === "lambda" ? "index.mjs" : "index.js");
    built = buildTarget(target, { outfile });
    bundles.set(target, built);
  }
  return built;
}

async function startLambda(opts: FrontOptions): Promise<Front> {
  const dir = join((await bundle("lambda")), "..");
  // DynamoDB over dynalite on a loopback port, with the tables the CDK stack creates.
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  db.listen(0, "127.0.0.1");
  await once(db, "listening");
  const endpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
  const credentials = { accessKeyId: "AKIDE2ETESTTESTTEST", secretAccessKey: "e2e-secret" };
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials });
  const tables = { keys: "e2e-keys", cache: "e2e-cache", limits: "e2e-limits", usage: "e2e-usage", responses: "e2e-responses", logs: "e2e-logs" };
  await createTables(client, tables, { ttl: false });
  client.destroy();
  const fn = await runFunction(dir, "streamHandler", {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    STRAIT_STORE: "dynamodb",
    STRAIT_DYNAMODB_ENDPOINT: endpoint,
    STRAIT_DYNAMODB_TRANSACTIONS: "false", // dynalite has no TransactWriteItems
    STRAIT_TABLE_KEYS: tables.keys,
    STRAIT_TABLE_CACHE: tables.cache,
    STRAIT_TABLE_LIMITS: tables.limits,
    STRAIT_TABLE_USAGE: tables.usage,
    STRAIT_TABLE_RESPONSES: tables.responses,
    STRAIT_TABLE_LOGS: tables.logs,
    STRAIT_CONFIG_JSON: JSON.stringify(opts.config),
    STRAIT_LOG_LEVEL: "silent",
    ...opts.env,
  });
  return {
    name: "lambda",
    url: fn.emu.url,
    async close() {
      await fn.stop();
      // A store write the function started just before it stopped may still be running in dynalite:
      // closing its database under that write throws "Database is closed" into this process.
      const connections = () => new Promise<number>((r) => db.getConnections((_, n) => r(n)));
      for (let i = 0; i < 40 && (await connections()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 250));
      await new Promise((r) => db.close(r));
    },
  };
}

async function startWorker(opts: FrontOptions): Promise<Front> {
  const script = await bundle("worker");
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: join(script, ".."),
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["enable_request_signal"],
    kvNamespaces: ["STRAIT_KV"],
    durableObjects: { STRAIT_OBJECTS: { className: "StoreObject", useSQLite: true } },
    bindings: { STRAIT_LOG_LEVEL: "silent", STRAIT_CONFIG_JSON: JSON.stringify(opts.config), ...opts.env },
    host: "127.0.0.1",
    port: 0,
  });
  const url = await mf.ready;
  return { name: "worker", url: url.origin, close: () => mf.dispose() };
}
