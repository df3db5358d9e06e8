/**
 * Deletes expired items from the cache, limits, responses and logs tables, for a backend without
 * DynamoDB's TTL deleter (dynalite): reads already ignore them, this only reclaims the space. Each
 * delete is conditioned on the item still being expired, so an item rewritten meanwhile is kept.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { TABLE_SCHEMAS, TTL_ATTRIBUTE, type TableNames } from "./tables.js";

type Swept = "cache" | "limits" | "responses" | "logs";

export async function sweepExpired(client: DynamoDBClient, tables: Pick<TableNames, Swept>, nowMs: number): Promise<number> {
  const doc = DynamoDBDocumentClient.from(client);
  const now = Math.floor(nowMs / 1000);
  const names = { "#ttl": TTL_ATTRIBUTE };
  let deleted = 0;
  for (const concern of ["cache", "limits", "responses", "logs"] as const) {
    const TableName = tables[concern];
    const keyNames = TABLE_SCHEMAS[concern].key.map((k) => k.AttributeName!);
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({
          TableName,
          FilterExpression: "#ttl < :now",
          ProjectionExpression: keyNames.join(", "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ":now": now },
          ExclusiveStartKey: start,
          Limit: 500,
        }),
      );
      for (const item of page.Items ?? []) {
        const Key = Object.fromEntries(keyNames.map((k) => [k, item[k]]));
        try {
          await doc.send(new DeleteCommand({ TableName, Key, ConditionExpression: "#ttl < :now", ExpressionAttributeNames: names, ExpressionAttributeValues: { ":now": now } }));
          deleted++;
        } catch (e) {
          if ((e as { name?: string }).name !== "ConditionalCheckFailedException") throw e;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return deleted;
}
