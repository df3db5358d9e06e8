/**
 * Per-operation latency of the store adapters (median and p99 of sequential calls), for the docs.
 *   ./node_modules/.bin/tsx test/store/measure.ts            memory + dynalite in-process
 *   STRAIT_DDB_LOCAL_ENDPOINT=http://127.0.0.1:8000 ...       also DynamoDB Local
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { createTables, type TableNames } from "../../core/store/dynamodb/tables.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";
import { startDynalite } from "../../functions/node/store.js";
import { keyRecord } from "./contract.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const N = Number(process.env.N ?? 500);

async function time(fn: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 50; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return `median ${ms[Math.floor(N / 2)]!.toFixed(3)} ms, p99 ${ms[Math.floor(N * 0.99)]!.toFixed(3)} ms`;
}

async function measure(name: string, store: Store) {
  const rec = keyRecord();
  await store.keys.put(rec);
  await store.cache.put("c", "x".repeat(2000), 600);
  const w = Math.floor(Date.now() / 60_000) * 60_000;
  console.log(`${name}:`);
  console.log(`  keys.getByHash  ${await time(() => store.keys.getByHash(rec.hash))}`);
  console.log(`  limits.hit      ${await time(() => store.limits.hit("rpm", w, 60_000, 1, 1e9))}`);
  console.log(`  cache.get (2KB) ${await time(() => store.cache.get("c"))}`);
  console.log(`  usage.add       ${await time(() => store.usage.add({ keyId: rec.id, day: "2026-11-21", model: "m", requests: 1, cacheHits: 0, tokensIn: 1, tokensOut: 1, costMicros: 1 }))}`);
  const t = performance.now();
  await Promise.all(Array.from({ length: 200 }, () => store.limits.hit(`burst-${rec.id}`, w, 60_000, 1, 50)));
  console.log(`  200 concurrent hits on one counter: ${(performance.now() - t).toFixed(0)} ms`);
}

const tables: TableNames = { keys: "m-keys", cache: "m-cache", limits: "m-limits", usage: "m-usage", responses: "m-responses", logs: "m-logs" };
await measure("memory", memoryStore());
const db = await startDynalite();
await createTables(db.client, tables, { ttl: false });
await measure("dynalite (in-process, HTTP over a Unix socket)", dynamodbStore({ client: db.client, tables, transactions: false }));
await db.close();
const endpoint = process.env.STRAIT_DDB_LOCAL_ENDPOINT;
if (endpoint) {
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "l", secretAccessKey: "l" } });
  await createTables(client, tables, { ttl: true });
  await measure("DynamoDB Local", dynamodbStore({ client, tables }));
  client.destroy();
}
