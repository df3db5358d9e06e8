/**
 * The DynamoDB adapter against Amazon's DynamoDB Local, with transactions and TTL, as deployed.
 * DynamoDB Local listens on every interface, so it runs only inside a loopback-only network
 * namespace: test/store/run-dynamodb-local.sh starts it there and sets STRAIT_DDB_LOCAL_ENDPOINT.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe } from "vitest";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { createTables, type TableNames } from "../../core/store/dynamodb/tables.js";
import { describeStoreContract } from "./contract.js";
import { describeDynamoCases } from "./dynamodb-cases.js";

const endpoint = process.env.STRAIT_DDB_LOCAL_ENDPOINT;
if (!endpoint) console.log("[dynamodb-local] skipped: STRAIT_DDB_LOCAL_ENDPOINT is not set; run test/store/run-dynamodb-local.sh (needs Java 17 and root for unshare)");

describe.skipIf(!endpoint)("DynamoDB Local", () => {
  let client: DynamoDBClient;
  const prefix = `t${Date.now().toString(36)}-`;
  const tables: TableNames = { keys: `${prefix}keys`, cache: `${prefix}cache`, limits: `${prefix}limits`, usage: `${prefix}usage` };

  beforeAll(async () => {
    client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
    await createTables(client, tables, { ttl: true });
  });
  afterAll(() => client?.destroy());

  describeStoreContract("DynamoDB Local (transactions)", (now) => dynamodbStore({ client, tables, transactions: true, now }));
  describeStoreContract("DynamoDB Local (sequential, as on dynalite)", (now) => dynamodbStore({ client, tables, transactions: false, now }));
  describeDynamoCases("DynamoDB Local", () => ({ client, tables, transactions: true, ttl: true }));
});
