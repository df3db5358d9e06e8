/**
 * Table names and key schema of the DynamoDB store. The CDK stack (infra/) creates the same
 * tables; `createTables` makes them for the embedded store and the tests.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";

export interface TableNames {
  keys: string;
  cache: string;
  limits: string;
  usage: string;
  responses: string;
  logs: string;
}

/** The attribute DynamoDB's TTL deletes on (epoch seconds) in the cache, limits, responses and logs tables. */
export const TTL_ATTRIBUTE = "ttl";

/**
 * STRAIT_TABLE_KEYS / _CACHE / _LIMITS / _USAGE / _RESPONSES / _LOGS name each table; any left unset
 * is STRAIT_TABLE_PREFIX (default "strait-") followed by keys, cache, limits, usage, responses, logs.
 */
export function tableNamesFromEnv(env: Readonly<Record<string, string | undefined>>): TableNames {
  const prefix = env.STRAIT_TABLE_PREFIX ?? "strait-";
  return {
    keys: env.STRAIT_TABLE_KEYS || `${prefix}keys`,
    cache: env.STRAIT_TABLE_CACHE || `${prefix}cache`,
    limits: env.STRAIT_TABLE_LIMITS || `${prefix}limits`,
    usage: env.STRAIT_TABLE_USAGE || `${prefix}usage`,
    responses: env.STRAIT_TABLE_RESPONSES || `${prefix}responses`,
    logs: env.STRAIT_TABLE_LOGS || `${prefix}logs`,
  };
}

interface TableSchema {
  key: KeySchemaElement[];
  /** The key attributes of the table and of its indexes. */
  attributes: AttributeDefinition[];
  ttl: boolean;
  indexes?: GlobalSecondaryIndex[];
}

const byPk = (ttl: boolean): TableSchema => ({
  key: [{ AttributeName: "pk", KeyType: "HASH" }],
  attributes: [{ AttributeName: "pk", AttributeType: "S" }],
  ttl,
});

const byPkAndSk = (ttl: boolean): TableSchema => ({
  key: [
    { AttributeName: "pk", KeyType: "HASH" },
    { AttributeName: "sk", KeyType: "RANGE" },
  ],
  attributes: [
    { AttributeName: "pk", AttributeType: "S" },
    { AttributeName: "sk", AttributeType: "S" },
  ],
  ttl,
});

/**
 * The request log's indexes (core/store/dynamodb/logs.ts): both sort by `ts` (the entry's time and
 * id) and carry only the entry without its bodies (`e`) and whether it has any (`bd`).
 */
export const LOG_INDEXES = { byKey: "byKey", byTime: "byTime" } as const;
export const LOG_INDEX_ATTRIBUTES = ["e", "bd"];

const logIndex = (IndexName: string, partition: string): GlobalSecondaryIndex => ({
  IndexName,
  KeySchema: [
    { AttributeName: partition, KeyType: "HASH" },
    { AttributeName: "ts", KeyType: "RANGE" },
  ],
  Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: LOG_INDEX_ATTRIBUTES },
});

/** One table per concern; every key attribute is a string. */
export const TABLE_SCHEMAS: Record<keyof TableNames, TableSchema> = {
  keys: byPk(false),
  cache: byPk(true),
  limits: byPk(true),
  usage: byPkAndSk(false),
  responses: byPkAndSk(true),
  logs: {
    ...byPk(true),
    attributes: ["pk", "keyId", "sh", "ts"].map((AttributeName) => ({ AttributeName, AttributeType: "S" as const })),
    indexes: [logIndex(LOG_INDEXES.byKey, "keyId"), logIndex(LOG_INDEXES.byTime, "sh")],
  },
};

/**
 * Creates the tables that don't exist yet (on-demand billing), with their indexes, and waits until
 * they and their indexes are ACTIVE.
 * `ttl: false` skips UpdateTimeToLive, which dynalite does not implement (expiry is checked on read anyway).
 */
export async function createTables(client: DynamoDBClient, names: TableNames, opts: { ttl: boolean }): Promise<void> {
  await Promise.all(
    (Object.keys(TABLE_SCHEMAS) as (keyof TableNames)[]).map(async (concern) => {
      const schema = TABLE_SCHEMAS[concern];
      const TableName = names[concern];
      let created = false;
      try {
        await client.send(
          new CreateTableCommand({
            TableName,
            KeySchema: schema.key,
            AttributeDefinitions: schema.attributes,
            BillingMode: "PAY_PER_REQUEST",
            ...(schema.indexes ? { GlobalSecondaryIndexes: schema.indexes } : {}),
          }),
        );
        created = true;
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
      }
      for (let i = 0; ; i++) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName }));
        if (Table?.TableStatus === "ACTIVE" && (Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE")) break;
        if (i > 600) throw new Error(`table ${TableName} did not become ACTIVE`);
        await new Promise((r) => setTimeout(r, 100));
      }
      if (created && schema.ttl && opts.ttl) {
        await client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }));
      }
    }),
  );
}
