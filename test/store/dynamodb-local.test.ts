/**
 * The DynamoDB adapter against Amazon's DynamoDB Local, with transactions and TTL, as deployed.
 * DynamoDB Local listens on every interface, so it runs only inside a loopback-only network
 * namespace: npm test (scripts/test.sh) and test/store/run-dynamodb-local.sh start it there and set
 * STRAIT_DDB_LOCAL_ENDPOINT. Without it the suite is skipped with the reason printed (fails in CI).
 */
import { afterAll, beforeAll, describe } from "vitest";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { dynamodbLocalStore, type TestDynamoStore } from "../helpers/dynamodb-local.js";
import { dynamoDbLocal, skipWithout } from "../helpers/optional.js";
import { describeStoreContract } from "./contract.js";
import { describeDynamoCases } from "./dynamodb-cases.js";

const noDdbLocal = skipWithout(import.meta.url, dynamoDbLocal());

describe.skipIf(noDdbLocal)("DynamoDB Local", () => {
  let db: TestDynamoStore;
  beforeAll(async () => {
    db = await dynamodbLocalStore();
  });
  afterAll(() => db?.close());

  describeStoreContract("DynamoDB Local (transactions)", (now) => dynamodbStore({ client: db.client, tables: db.tables, transactions: true, now }));
  describeStoreContract("DynamoDB Local (sequential, as on dynalite)", (now) => dynamodbStore({ client: db.client, tables: db.tables, transactions: false, now }));
  describeDynamoCases("DynamoDB Local", () => ({ client: db.client, tables: db.tables, transactions: true, ttl: true }));
});
