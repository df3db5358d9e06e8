/** The DynamoDB adapter against dynalite in-process (no transactions: the embedded store's mode). */
import { DynamoDBClient, ProvisionedThroughputExceededException, ThrottlingException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dynamodbClient, dynamodbStore } from "../../core/store/dynamodb/index.js";
import { SHARDS } from "../../core/store/dynamodb/logs.js";
import { sweepExpired } from "../../core/store/dynamodb/sweep.js";
import type { TableNames } from "../../core/store/dynamodb/tables.js";
import { StoreUnavailableError } from "../../core/store/types.js";
import { dynaliteStore, type TestDynamoStore } from "../helpers/dynamodb-local.js";
import { describeStoreContract, keyRecord, logEntry } from "./contract.js";
import { describeDynamoCases } from "./dynamodb-cases.js";

let db: TestDynamoStore;
let tables: TableNames;

beforeAll(async () => {
  db = await dynaliteStore();
  tables = db.tables;
});
afterAll(() => db?.close());

describeStoreContract("dynalite", (now) => dynamodbStore({ client: db.client, tables, transactions: false, now }));

describeDynamoCases("dynalite", () => ({ client: db.client, tables, transactions: false, ttl: false }));

describe("DynamoDB throttling surfaces as StoreUnavailableError", () => {
  it("from a mocked client (aws-sdk-client-mock)", async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      mock.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: "Rate of requests exceeds the allowed throughput.", $metadata: {} }));
      mock.on(GetCommand).rejects(new ThrottlingException({ message: "Throughput exceeds the current capacity.", $metadata: {} }));
      const store = dynamodbStore({ client: db.client, tables, transactions: false });
      const hit = store.limits.hit("rpm:k", 0, 60_000, 1, 10);
      await expect(hit).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(hit).rejects.toMatchObject({ code: "ProvisionedThroughputExceededException", throttled: true });
      await expect(store.keys.getByHash("ab")).rejects.toMatchObject({ name: "StoreUnavailableError", code: "ThrottlingException", throttled: true });
      await expect(store.usage.add({ keyId: "k", day: "2026-11-21", model: "m", requests: 1, cacheHits: 0, tokensIn: 1, tokensOut: 1, costMicros: 1 })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
    } finally {
      mock.restore();
    }
  });

  it("inside a cancelled transaction (a key write), instead of retrying", async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      mock.on(GetCommand).resolves({});
      mock.on(TransactWriteCommand).rejects(
        new TransactionCanceledException({
          message: "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]",
          CancellationReasons: [{ Code: "None" }, { Code: "ThrottlingError" }],
          $metadata: {},
        }),
      );
      const store = dynamodbStore({ client: db.client, tables, transactions: true });
      await expect(store.keys.put(keyRecord())).rejects.toMatchObject({ name: "StoreUnavailableError", code: "ThrottlingError", throttled: true });
      expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
    } finally {
      mock.restore();
    }
  });

  describe("from a DynamoDB endpoint answering 400 ProvisionedThroughputExceededException on the wire", () => {
    let server: Server;
    let calls = 0;
    beforeAll(async () => {
      server = createServer((req, res) => {
        calls++;
        req.resume();
        res.writeHead(400, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "r1" });
        res.end(JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", message: "Rate of requests exceeds the allowed throughput." }));
      });
      await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    });
    afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

    it("after the SDK's own retries, with the throttling flagged and no secret in the message", async () => {
      const client = new DynamoDBClient({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG" },
        maxAttempts: 2,
      });
      const store = dynamodbStore({ client, tables, transactions: false });
      calls = 0;
      const err = await store.limits.hit("rpm:k", 0, 60_000, 1, 10).catch((e) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err).toMatchObject({ code: "ProvisionedThroughputExceededException", throttled: true });
      expect(err.message).not.toMatch(/AKIDEXAMPLE|wJalr/);
      expect(calls).toBe(2);
      client.destroy();
    });
  });
});

describe("cache purge on DynamoDB (mocked client)", () => {
  it("pages the Scan, deletes in batches of 25 and retries what BatchWriteItem left unprocessed", async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      const pks = Array.from({ length: 30 }, (_, i) => `key:key_a/${i}`);
      mock
        .on(ScanCommand)
        .resolvesOnce({ Items: pks.slice(0, 28).map((pk) => ({ pk })), LastEvaluatedKey: { pk: pks[27] } })
        .resolves({ Items: pks.slice(28).map((pk) => ({ pk })) });
      mock
        .on(BatchWriteCommand)
        .resolvesOnce({ UnprocessedItems: { [tables.cache]: [{ DeleteRequest: { Key: { pk: pks[3] } } }] } })
        .resolves({});
      const store = dynamodbStore({ client: db.client, tables, transactions: false });
      expect(await store.cache.purge("key:key_a/")).toBe(30);
      const scans = mock.commandCalls(ScanCommand).map((c) => c.args[0].input);
      expect(scans).toHaveLength(2);
      expect(scans[0]).toMatchObject({ ProjectionExpression: "pk", FilterExpression: "begins_with(pk, :prefix)", ExpressionAttributeValues: { ":prefix": "key:key_a/" } });
      expect(scans[1]!.ExclusiveStartKey).toEqual({ pk: pks[27] });
      const sizes = mock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![tables.cache]!.length);
      expect(sizes.sort((a, b) => a - b)).toEqual([1, 2, 3, 25]);
    } finally {
      mock.restore();
    }
  });

  it("surfaces a failing Scan as StoreUnavailableError", async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      mock.on(ScanCommand).rejects(new ThrottlingException({ message: "slow down", $metadata: {} }));
      const store = dynamodbStore({ client: db.client, tables, transactions: false });
      await expect(store.cache.purge()).rejects.toMatchObject({ name: "StoreUnavailableError", code: "ThrottlingException", throttled: true });
    } finally {
      mock.restore();
    }
  });
});

describe("request log on DynamoDB (mocked client)", () => {
  it("put is one BatchWriteItem per 25 entries, reads nothing, and retries what comes back unprocessed", async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      const entries = Array.from({ length: 60 }, (_, i) => logEntry(Date.now() - i));
      mock
        .on(BatchWriteCommand)
        .resolvesOnce({ UnprocessedItems: { [tables.logs]: [{ PutRequest: { Item: { pk: entries[3]!.id } } }] } })
        .resolves({});
      const store = dynamodbStore({ client: db.client, tables, transactions: false });
      await store.logs!.put(entries);
      const sizes = mock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![tables.logs]!.length);
      expect(sizes.sort((a, b) => a - b)).toEqual([1, 10, 25, 25]);
      expect(mock.calls()).toHaveLength(4);
    } finally {
      mock.restore();
    }
  });

  it("gives up with a throttled StoreUnavailableError when items stay unprocessed", async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      const e = logEntry(Date.now());
      mock.on(BatchWriteCommand).resolves({ UnprocessedItems: { [tables.logs]: [{ PutRequest: { Item: { pk: e.id } } }] } });
      const store = dynamodbStore({ client: db.client, tables, transactions: false });
      vi.useFakeTimers(); // the backoff between rounds
      const put = store.logs!.put([e]).catch((err) => err);
      await vi.runAllTimersAsync();
      expect(await put).toMatchObject({ name: "StoreUnavailableError", code: "UnprocessedItems", throttled: true });
      expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(8);
    } finally {
      vi.useRealTimers();
      mock.restore();
    }
  });

  it("lists through the indexes, never a Scan: all shards of byTime, or byKey for one key; bodies by BatchGetItem", async () => {
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      const withBodies = logEntry(Date.now(), { keyId: "key_a", requestBody: "q" });
      const { requestBody: _, ...listed } = withBodies;
      mock.on(QueryCommand).resolves({ Items: [] });
      mock
        .on(QueryCommand, { IndexName: "byKey" })
        .resolves({ Items: [{ pk: withBodies.id, ts: `${String(withBodies.at).padStart(15, "0")}#${withBodies.id}`, keyId: "key_a", e: JSON.stringify(listed), bd: true }] });
      mock.on(BatchGetCommand).resolves({ Responses: { [tables.logs]: [{ pk: withBodies.id, rq: "q" }] } });
      const store = dynamodbStore({ client: db.client, tables, transactions: false });
      expect(await store.logs!.list({})).toEqual({ items: [] });
      const all = mock.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(all.map((q) => q.IndexName)).toEqual(Array(SHARDS).fill("byTime"));
      expect(all.map((q) => q.ExpressionAttributeValues![":p"]).sort()).toEqual(Array.from({ length: SHARDS }, (_, i) => String(i)));
      expect(all.every((q) => q.ScanIndexForward === false)).toBe(true);
      mock.resetHistory();
      expect(await store.logs!.list({ keyId: "key_a" })).toEqual({ items: [withBodies] });
      expect(mock.commandCalls(QueryCommand).map((c) => c.args[0].input.IndexName)).toEqual(["byKey"]);
      expect(mock.commandCalls(BatchGetCommand)).toHaveLength(1);
      expect(mock.commandCalls(ScanCommand)).toHaveLength(0);
    } finally {
      mock.restore();
    }
  });
});

describe("a DynamoDB endpoint that never answers", () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer(() => {}); // accepts, reads, never responds
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((ok) => server.close(() => ok()));
  });

  it("fails with StoreUnavailableError after STRAIT_DYNAMODB_TIMEOUT_MS instead of hanging", async () => {
    const env = {
      STRAIT_DYNAMODB_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      STRAIT_DYNAMODB_TIMEOUT_MS: "200",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
    };
    const client = dynamodbClient(env, { maxAttempts: 1 });
    const store = dynamodbStore({ client, tables, transactions: false });
    const t = Date.now();
    const err = await store.keys.getByHash("ab").catch((e) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.throttled).toBe(false);
    expect(Date.now() - t).toBeLessThan(2_000);
    client.destroy();
  });
});

describe("sweepExpired (dynalite has no TTL deleter)", () => {
  it("deletes cache entries and counters past their TTL and keeps the rest", async () => {
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    const doc = DynamoDBDocumentClient.from(db.client);
    const now = Date.now();
    const sec = Math.floor(now / 1000);
    const put = (TableName: string, pk: string, ttl: number) => doc.send(new PutCommand({ TableName, Item: { pk, ttl, exp: ttl * 1000 } }));
    await put(tables.cache, "sweep-old", sec - 10);
    await put(tables.cache, "sweep-new", sec + 600);
    await put(tables.limits, "sweep-old#0", sec - 10);
    await put(tables.limits, "sweep-new#0", sec + 600);
    expect(await sweepExpired(db.client, tables, now)).toBeGreaterThanOrEqual(2);
    const get = async (TableName: string, pk: string) => (await doc.send(new GetCommand({ TableName, Key: { pk } }))).Item;
    expect(await get(tables.cache, "sweep-old")).toBeUndefined();
    expect(await get(tables.limits, "sweep-old#0")).toBeUndefined();
    expect(await get(tables.cache, "sweep-new")).toBeDefined();
    expect(await get(tables.limits, "sweep-new#0")).toBeDefined();
  });

  it("deletes stored responses past their TTL, head and parts, by their full key", async () => {
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    const doc = DynamoDBDocumentClient.from(db.client);
    const sec = Math.floor(Date.now() / 1000);
    const put = (pk: string, sk: string, ttl: number) => doc.send(new PutCommand({ TableName: tables.responses, Item: { pk, sk, ttl, exp: ttl * 1000 } }));
    await put("open/resp_old", "h", sec - 10);
    await put("open/resp_old", "p#g#0001", sec - 10);
    await put("open/resp_new", "h", sec + 600);
    expect(await sweepExpired(db.client, tables, Date.now())).toBeGreaterThanOrEqual(2);
    const get = async (pk: string, sk: string) => (await doc.send(new GetCommand({ TableName: tables.responses, Key: { pk, sk } }))).Item;
    expect(await get("open/resp_old", "h")).toBeUndefined();
    expect(await get("open/resp_old", "p#g#0001")).toBeUndefined();
    expect(await get("open/resp_new", "h")).toBeDefined();
  });
  it("deletes request log entries past their TTL", async () => {
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    const doc = DynamoDBDocumentClient.from(db.client);
    const sec = Math.floor(Date.now() / 1000);
    await doc.send(new PutCommand({ TableName: tables.logs, Item: { pk: "log-old", ts: "0#log-old", sh: "0", e: "{}", ttl: sec - 10, exp: (sec - 10) * 1000 } }));
    await doc.send(new PutCommand({ TableName: tables.logs, Item: { pk: "log-new", ts: "0#log-new", sh: "0", e: "{}", ttl: sec + 600, exp: (sec + 600) * 1000 } }));
    expect(await sweepExpired(db.client, tables, Date.now())).toBeGreaterThanOrEqual(1);
    const get = async (pk: string) => (await doc.send(new GetCommand({ TableName: tables.logs, Key: { pk } }))).Item;
    expect(await get("log-old")).toBeUndefined();
    expect(await get("log-new")).toBeDefined();
  });
});
