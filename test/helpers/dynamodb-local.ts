/**
 * DynamoDB-backed stores for tests, each on fresh tables:
 *   dynaliteStore()       dynalite in this process, in memory (the embedded store's mode: no transactions)
 *   dynamodbLocalStore()  Amazon's DynamoDB Local at STRAIT_DDB_LOCAL_ENDPOINT (transactions, TTL), started
 *                         inside a loopback-only network namespace by npm test or test/store/run-dynamodb-local.sh
 * A test file for DynamoDB Local should `describe.skipIf(skipWithout(import.meta.url, dynamoDbLocal()))`
 * (test/helpers/optional.ts: prints why it skips, fails in CI).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { createTables, type TableNames } from "../../core/store/dynamodb/tables.js";
import type { Store } from "../../core/store/types.js";
import { startDynalite } from "../../functions/node/store.js";
import { dynamoDbLocal } from "./optional.js";

export const ddbLocalEndpoint = process.env.STRAIT_DDB_LOCAL_ENDPOINT || undefined;

export interface TestDynamoStore {
  store: Store;
  client: DynamoDBClient;
  tables: TableNames;
  close(): Promise<void>;
}

let seq = 0;
const freshTables = (): TableNames => {
  const p = `t${Date.now().toString(36)}${(seq++).toString(36)}-`;
  return { keys: `${p}keys`, cache: `${p}cache`, limits: `${p}limits`, usage: `${p}usage`, responses: `${p}responses`, logs: `${p}logs` };
};

export async function dynaliteStore(opts: { now?: () => number } = {}): Promise<TestDynamoStore> {
  const db = await startDynalite();
  const tables = freshTables();
  await createTables(db.client, tables, { ttl: false });
  return { store: dynamodbStore({ client: db.client, tables, transactions: false, now: opts.now }), client: db.client, tables, close: db.close };
}

export async function dynamodbLocalStore(opts: { now?: () => number; transactions?: boolean } = {}): Promise<TestDynamoStore> {
  const local = dynamoDbLocal();
  if (!ddbLocalEndpoint || !local.ok) throw new Error(local.ok ? "STRAIT_DDB_LOCAL_ENDPOINT is not set" : local.reason);
  const client = new DynamoDBClient({ endpoint: ddbLocalEndpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const tables = freshTables();
  await createTables(client, tables, { ttl: true });
  return {
    store: dynamodbStore({ client, tables, transactions: opts.transactions ?? true, now: opts.now }),
    client,
    tables,
    close: async () => client.destroy(),
  };
}
