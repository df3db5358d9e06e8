/**
 * The Store on DynamoDB: one table per concern (keys, cache, limits, usage and analytics, responses, logs). Runs wherever the
 * AWS SDK v3 runs — Lambda, Node, and Workers (on fetch). The runtime adapter may inject its own
 * request handler and credentials.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Store } from "../types.js";
import { DynamoAnalytics } from "./analytics.js";
import { DynamoCache } from "./cache.js";
import { DynamoKeys } from "./keys.js";
import { DynamoLimits } from "./limits.js";
import { DynamoLogs } from "./logs.js";
import { DynamoResponses } from "./responses.js";
import { tableNamesFromEnv, type TableNames } from "./tables.js";
import { DynamoUsage } from "./usage.js";

export { tableNamesFromEnv, type TableNames } from "./tables.js";

export interface DynamoStoreOptions {
  client: DynamoDBClient;
  tables: TableNames;
  /**
   * Keep a key's id and hash items consistent with TransactWriteItems (default). dynalite has no
   * transactions: false writes in a safe order, serialized per key within this process.
   */
  transactions?: boolean;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
}

export function dynamodbStore(opts: DynamoStoreOptions): Store {
  const doc = DynamoDBDocumentClient.from(opts.client, { marshallOptions: { removeUndefinedValues: true } });
  const now = opts.now ?? Date.now;
  return {
    kind: "dynamodb",
    keys: new DynamoKeys(doc, opts.tables.keys, opts.transactions ?? true),
    cache: new DynamoCache(doc, opts.tables.cache, now),
    limits: new DynamoLimits(doc, opts.tables.limits, now),
    usage: new DynamoUsage(doc, opts.tables.usage),
    responses: new DynamoResponses(doc, opts.tables.responses, now),
    logs: new DynamoLogs(doc, opts.tables.logs, now),
    analytics: new DynamoAnalytics(doc, opts.tables.usage),
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A client from the environment: AWS_REGION (or AWS_DEFAULT_REGION), STRAIT_DYNAMODB_ENDPOINT for a
 * non-AWS endpoint, and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN when set
 * (otherwise the SDK's default chain: the Lambda role, profiles, ...). Each attempt gives up after
 * STRAIT_DYNAMODB_TIMEOUT_MS (default 3000): a hung store must fail a guarded request, not hold it.
 */
export function dynamodbClient(env: Env, overrides: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const timeout = Number(env.STRAIT_DYNAMODB_TIMEOUT_MS || 3000);
  if (!(timeout > 0)) throw new Error(`STRAIT_DYNAMODB_TIMEOUT_MS must be a positive number of milliseconds, got "${env.STRAIT_DYNAMODB_TIMEOUT_MS}"`);
  return new DynamoDBClient({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    requestHandler: { requestTimeout: timeout, connectionTimeout: Math.min(timeout, 1000), throwOnRequestTimeout: true },
    ...(env.STRAIT_DYNAMODB_ENDPOINT ? { endpoint: env.STRAIT_DYNAMODB_ENDPOINT } : {}),
    ...(credentials ? { credentials } : {}),
    ...overrides,
  });
}

/** `STRAIT_STORE=dynamodb`: tables named by STRAIT_TABLE_* (see tables.ts), transactions unless STRAIT_DYNAMODB_TRANSACTIONS=false. */
export function dynamodbStoreFromEnv(env: Env, overrides: Partial<DynamoDBClientConfig> = {}): Store {
  return dynamodbStore({
    client: dynamodbClient(env, overrides),
    tables: tableNamesFromEnv(env),
    transactions: env.STRAIT_DYNAMODB_TRANSACTIONS !== "false",
  });
}
