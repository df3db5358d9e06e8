/**
 * Which Store the local server runs on (STRAIT_STORE):
 *   embedded (default)  dynalite — the DynamoDB API served in-process on 127.0.0.1 — over LevelDB in
 *                       STRAIT_DATA_DIR (default ".strait"): keys and usage survive a restart
 *   memory              everything in memory, gone at exit
 *   dynamodb            a real DynamoDB (AWS_REGION, STRAIT_DYNAMODB_ENDPOINT, STRAIT_TABLE_*)
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { Logger } from "../../core/runtime.js";
import { dynamodbStore, dynamodbStoreFromEnv } from "../../core/store/dynamodb/index.js";
import { createTables, tableNamesFromEnv } from "../../core/store/dynamodb/tables.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface NodeStore {
  store: Store;
  /** What to tell the user at start, e.g. "embedded (dynalite) in /repo/.strait". */
  description: string;
  close(): Promise<void>;
}

export interface EmbeddedDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** dynalite on 127.0.0.1, an ephemeral port; on LevelDB in `path`, or in memory without one. */
export async function startDynalite(path?: string): Promise<EmbeddedDynamo> {
  if (path) mkdirSync(path, { recursive: true });
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // dynalite does not check signatures; the SDK still wants credentials to sign with.
  const client = new DynamoDBClient({ endpoint, region: "local", credentials: { accessKeyId: "embedded", secretAccessKey: "embedded" } });
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      await new Promise<void>((ok, fail) => server.close((e?: Error) => (e ? fail(e) : ok())));
    },
  };
}

/**
 * One process per data folder: LevelDB allows one opener, and dynalite crashes instead of
 * reporting a held lock. A pid file with a liveness check says it clearly, and a stale one
 * (the process died) is taken over.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
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

export async function createNodeStore(env: Env, log: Logger): Promise<NodeStore> {
  // The SDK warns at start that its releases after January 2027 need Node 22; the pinned one runs
  // on Node 20, so the warning is noise for a local server. AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false shows it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const kind = env.STRAIT_STORE || "embedded";
  if (kind === "memory") return { store: memoryStore(), description: "memory (nothing survives a restart)", close: async () => {} };
  if (kind === "dynamodb") {
    const store = dynamodbStoreFromEnv(env);
    const tables = tableNamesFromEnv(env);
    return { store, description: `dynamodb (${env.STRAIT_DYNAMODB_ENDPOINT || env.AWS_REGION || "us-east-1"}; tables ${Object.values(tables).join(", ")})`, close: async () => {} };
  }
  if (kind !== "embedded") throw new Error(`STRAIT_STORE must be embedded, memory or dynamodb, got "${kind}"`);

  const dir = resolve(env.STRAIT_DATA_DIR || ".strait");
  const unlock = lockDataDir(dir);
  let db: EmbeddedDynamo | undefined;
  const tables = tableNamesFromEnv(env);
  try {
    db = await startDynalite(join(dir, "dynamodb"));
    await createTables(db.client, tables, { ttl: false });
  } catch (e) {
    await db?.close().catch(() => {});
    unlock();
    throw new Error(`could not open the embedded store in ${dir}: ${String((e as Error)?.message ?? e)}`);
  }
  log.debug("embedded store ready", { endpoint: db.endpoint, dir });
  const close = db.close;
  return {
    store: dynamodbStore({ client: db.client, tables, transactions: false }),
    description: `embedded (dynalite) in ${dir}`,
    async close() {
      try {
        await close();
      } finally {
        unlock();
      }
    },
  };
}
