/**
 * Which Store the local server runs on (STRAIT_STORE):
 *   embedded (default)  dynalite — the DynamoDB API served in-process, on a private socket — over LevelDB in
 *                       STRAIT_DATA_DIR (default ".strait"): keys, usage and analytics survive a restart; the request
 *                       log is journal files in the same folder (journal-logs.ts)
 *   memory              everything in memory, gone at exit
 *   dynamodb            a real DynamoDB (AWS_REGION, STRAIT_DYNAMODB_ENDPOINT, STRAIT_TABLE_*)
 *   none                no store: gateway tokens only, no virtual keys, limits, usage or cache
 * (The names and their error are functions/boot.ts's, shared with the other runtimes.)
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { Agent } from "node:http";
import { createConnection, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "../../core/runtime.js";
import { dynamodbStore, dynamodbStoreFromEnv } from "../../core/store/dynamodb/index.js";
import { sweepExpired } from "../../core/store/dynamodb/sweep.js";
import { createTables, tableNamesFromEnv } from "../../core/store/dynamodb/tables.js";
import { memoryStore } from "../../core/store/memory.js";
import { StoreUnavailableError, type Store } from "../../core/store/types.js";
import { ConfigError } from "../../core/config.js";
import { parseStoreName } from "../boot.js";
import { JournalLogs } from "./journal-logs.js";

type Env = Readonly<Record<string, string | undefined>>;

const SWEEP_INTERVAL_MS = 10 * 60_000;

export interface NodeStore {
  store: Store;
  /** What to tell the user at start, e.g. "embedded (dynalite) in /repo/.strait". */
  description: string;
  /** Only this process counts on it (embedded, memory): limit windows can live in memory, exactly. */
  ownsCounters: boolean;
  close(): Promise<void>;
}

export interface EmbeddedDynamo {
  /** Where dynalite listens: a Unix socket path, or http://127.0.0.1:<port> on Windows. */
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/**
 * dynalite in this process, on LevelDB in `path` (in memory without one). dynalite checks no
 * credentials, so it listens on a Unix socket inside a fresh 0700 folder: only this user can reach
 * it — a TCP port, even on loopback, would let any local process read and write keys.
 * (Windows has no such sockets here: 127.0.0.1 on an ephemeral port.)
 */
export async function startDynalite(path?: string): Promise<EmbeddedDynamo> {
  if (path) mkdirSync(path, { recursive: true, mode: 0o700 });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const socketDir = process.platform === "win32" ? undefined : mkdtempSync(join(tmpdir(), "strait-"));
  const socket = socketDir && join(socketDir, "dynamodb.sock");
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    if (socket) server.listen(socket, () => ok());
    else server.listen(0, "127.0.0.1", () => ok());
  });
  const endpoint = socket ?? `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint: socket ? "http://localhost" : endpoint,
    region: "local",
    // dynalite does not check signatures; the SDK still wants credentials to sign with.
    credentials: { accessKeyId: "embedded", secretAccessKey: "embedded" },
    ...(socket ? { requestHandler: { httpAgent: new SocketAgent(socket) } } : {}),
  });
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      await new Promise<void>((ok, fail) => server.close((e?: Error) => (e ? fail(e) : ok())));
      if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/** A keep-alive HTTP agent whose connections go to a Unix socket, whatever the URL's host. */
class SocketAgent extends Agent {
  constructor(private readonly socketPath: string) {
    super({ keepAlive: true, maxSockets: 50 });
  }
  override createConnection(): Socket {
    return createConnection(this.socketPath);
  }
}

/**
 * One process per data folder: LevelDB allows one opener, and dynalite crashes instead of
 * reporting a held lock. A pid file with a liveness check says it clearly, and a stale one
 * (the process died) is taken over.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, "strait.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(file);
        } catch {}
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (pid > 0 && alive(pid)) throw new Error(`the data folder ${dir} is in use by another process (pid ${pid}); stop it or set STRAIT_DATA_DIR`);
      unlinkSync(file);
    }
  }
  throw new Error(`could not lock the data folder ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** One read per table with the calls the store makes anyway: a missing table or permission fails the start, not every request. */
async function probe(store: Store, where: string): Promise<void> {
  const id = "strait-startup-probe";
  try {
    const hour = new Date().toISOString().slice(0, 13);
    await Promise.all([
      store.keys.getById(id),
      store.cache.get(id),
      store.limits.get(id, 0),
      store.usage.query({ keyId: id }),
      store.responses.get(id, id),
      store.logs?.get(id),
      store.logs?.list({ keyId: id }, undefined, 1),
      store.analytics?.query({ from: hour, to: hour, keyId: id }),
    ]);
  } catch (e) {
    const code = e instanceof StoreUnavailableError ? e.code : String((e as Error)?.message ?? e);
    throw new Error(`STRAIT_STORE=dynamodb: the tables can't be read (${code}) at ${where}. Create them (the CDK stack, or createTables in core/store/dynamodb/tables.ts) and check the credentials.`);
  }
}

/** What `npm start` runs on: STRAIT_STORE's store, or none (gateway tokens only) for STRAIT_STORE=none. */
export async function openNodeStore(env: Env, log: Logger): Promise<Omit<NodeStore, "store"> & { store?: Store }> {
  if (parseStoreName(env.STRAIT_STORE, "node", "embedded") === "none") {
    return { description: "none (gateway tokens only: no virtual keys, limits, usage or cache)", ownsCounters: false, close: async () => {} };
  }
  return createNodeStore(env, log);
}

/** The store STRAIT_STORE names (embedded by default); STRAIT_STORE=none has none to create (see openNodeStore). */
export async function createNodeStore(env: Env, log: Logger): Promise<NodeStore> {
  // The SDK warns at start that its releases after January 2027 need Node 22; the pinned one runs
  // on Node 20, so the warning is noise for a local server. AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false shows it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const kind = parseStoreName(env.STRAIT_STORE, "node", "embedded");
  if (kind === "none") throw new ConfigError("STRAIT_STORE=none: there is no store to create (openNodeStore starts without one).");
  if (kind === "memory") return { store: memoryStore(), description: "memory (nothing survives a restart)", ownsCounters: true, close: async () => {} };
  if (kind === "dynamodb") {
    const store = dynamodbStoreFromEnv(env);
    const tables = tableNamesFromEnv(env);
    const where = `${env.STRAIT_DYNAMODB_ENDPOINT || env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1"}; tables ${Object.values(tables).join(", ")}`;
    await probe(store, where);
    return { store, description: `dynamodb (${where})`, ownsCounters: false, close: async () => {} };
  }

  const dir = resolve(env.STRAIT_DATA_DIR || ".strait");
  const unlock = lockDataDir(dir);
  let db: EmbeddedDynamo | undefined;
  let logs: JournalLogs;
  const tables = tableNamesFromEnv(env);
  try {
    db = await startDynalite(join(dir, "dynamodb"));
    await createTables(db.client, tables, { ttl: false });
    logs = await JournalLogs.open(join(dir, "logs"));
  } catch (e) {
    await db?.close().catch(() => {});
    unlock();
    throw new Error(`could not open the embedded store in ${dir}: ${String((e as Error)?.message ?? e)}`);
  }
  log.debug("embedded store ready", { endpoint: db.endpoint, dir });
  const { client, close } = db;
  // dynalite has no TTL deleter: reclaim expired cache entries, counters, responses and log entries now and then.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () =>
    (sweeping = Promise.all([sweepExpired(client, tables, Date.now()), logs.prune()]).then(([n]) => n).then(
      (n) => n && log.debug("embedded store: expired items deleted", { count: n }),
      (e) => log.warn("embedded store: could not delete expired items", { error: String(e?.message ?? e) }),
    ));
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  sweep();
  return {
    // The request log in journal files beside the tables: see journal-logs.ts for why.
    store: { ...dynamodbStore({ client, tables, transactions: false }), kind: "embedded", logs },
    description: `embedded (dynalite) in ${dir}`,
    // The data folder is locked to this process (lockDataDir): it is the one point of truth.
    ownsCounters: true,
    async close() {
      clearInterval(timer);
      await sweeping;
      try {
        await close();
      } finally {
        unlock();
      }
    },
  };
}
