/**
 * Deletes expired items from the cache and limits tables, for a backend without DynamoDB's TTL
 * deleter (dynalite): reads already ignore them, this only reclaims the space. Each delete is
 * conditioned on the item still being expired, so an item rewritten meanwhile is kept.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { TTL_ATTRIBUTE, type TableNames } from "./tables.js";

export async function sweepExpired(client: DynamoDBClient, tables: Pick<TableNames, "cache" | "limits">, nowMs: number): Promise<number> {
  const doc = DynamoDBDocumentClient.from(client);
  const now = Math.floor(nowMs / 1000);
  const names = { "#ttl": TTL_ATTRIBUTE };
  let deleted = 0;
  for (const TableName of [tables.cache, tables.limits]) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({ TableName, FilterExpression: "#ttl < :now", ProjectionExpression: "pk", ExpressionAttributeNames: names, ExpressionAttributeValues: { ":now": now }, ExclusiveStartKey: start, Limit: 500 }),
      );
      for (const item of page.Items ?? []) {
        try {
          await doc.send(new DeleteCommand({ TableName, Key: { pk: item.pk }, ConditionExpression: "#ttl < :now", ExpressionAttributeNames: names, ExpressionAttributeValues: { ":now": now } }));
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
