/**
 * Usage counters: pk = key id, sk = "<day>#<model>", numbers added with UpdateItem ADD.
 * Query by key is a Query on pk with sk between the days; without a key, a Scan (admin reports only)
 * that leaves out the hourly analytics rows sharing the table (analytics.ts).
 */
import { QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { compareUsage } from "../rules.js";
import type { UsageRow, UsageStore } from "../types.js";
import { ANALYTICS_PK_PREFIX } from "./analytics.js";
import { call } from "./errors.js";

const FIELDS = ["requests", "cacheHits", "tokensIn", "tokensOut", "costMicros"] as const;

function toRow(item: Record<string, unknown>): UsageRow {
  return {
    keyId: item.pk as string,
    day: item.day as string,
    model: item.model as string,
    requests: Number(item.requests ?? 0),
    // Items written before the counter existed have no attribute: 0.
    cacheHits: Number(item.cacheHits ?? 0),
    tokensIn: Number(item.tokensIn ?? 0),
    tokensOut: Number(item.tokensOut ?? 0),
    costMicros: Number(item.costMicros ?? 0),
  };
}

export class DynamoUsage implements UsageStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async add(row: UsageRow) {
    await call("UpdateItem", () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: row.keyId, sk: `${row.day}#${row.model}` },
          UpdateExpression: `SET #day = :day, #model = :model ADD ${FIELDS.map((f) => `#${f} :${f}`).join(", ")}`,
          ExpressionAttributeNames: { "#day": "day", "#model": "model", ...Object.fromEntries(FIELDS.map((f) => [`#${f}`, f])) },
          ExpressionAttributeValues: { ":day": row.day, ":model": row.model, ...Object.fromEntries(FIELDS.map((f) => [`:${f}`, row[f] ?? 0])) },
        }),
      ),
    );
  }

  async query(filter: { keyId?: string; from?: string; to?: string }) {
    // "$" sorts right after "#", so "<to>$" is above every "<to>#<model>".
    const low = filter.from ?? "0000";
    const high = `${filter.to ?? "9999"}$`;
    const rows: UsageRow[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = filter.keyId !== undefined
        ? await call("Query", () =>
            this.doc.send(
              new QueryCommand({
                TableName: this.table,
                KeyConditionExpression: "pk = :k AND sk BETWEEN :low AND :high",
                ExpressionAttributeValues: { ":k": filter.keyId, ":low": low, ":high": high },
                ExclusiveStartKey: start,
              }),
            ),
          )
        : await call("Scan", () =>
            this.doc.send(
              new ScanCommand({
                TableName: this.table,
                FilterExpression: "sk BETWEEN :low AND :high AND NOT begins_with(pk, :analytics)",
                ExpressionAttributeValues: { ":low": low, ":high": high, ":analytics": ANALYTICS_PK_PREFIX },
                ExclusiveStartKey: start,
              }),
            ),
          );
      for (const item of r.Items ?? []) rows.push(toRow(item));
      start = r.LastEvaluatedKey;
    } while (start);
    return rows.sort(compareUsage);
  }
}
