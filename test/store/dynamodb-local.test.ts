/**
 * The DynamoDB adapter against Amazon's DynamoDB Local, with transactions and TTL, as deployed.
 * DynamoDB Local listens on every interface, so it runs only inside a loopback-only network
 * namespace: test/store/run-dynamodb-local.sh starts it there and sets STRAIT_DDB_LOCAL_ENDPOINT.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { ddbLocalEndpoint, ddbLocalSkipReason, dynamodbLocalStore, type TestDynamoStore } from "../helpers/dynamodb-local.js";
import { describeStoreContract } from "./contract.js";
import { describeDynamoCases } from "./dynamodb-cases.js";

if (!ddbLocalEndpoint) console.log(`[dynamodb-local] skipped: ${ddbLocalSkipReason}`);

describe.skipIf(!ddbLocalEndpoint)("DynamoDB Local", () => {
  let db: TestDynamoStore;
  beforeAll(async () => {
    db = await dynamodbLocalStore();
  });
  afterAll(() => db?.close());

  describeStoreContract("DynamoDB Local (transactions)", (now) => dynamodbStore({ client: db.client, tables: db.tables, transactions: true, now }));
  describeStoreContract("DynamoDB Local (sequential, as on dynalite)", (now) => dynamodbStore({ client: db.client, tables: db.tables, transactions: false, now }));
  describeDynamoCases("DynamoDB Local", () => ({ client: db.client, tables: db.tables, transactions: true, ttl: true }));
});
