/**
 * Hourly analytics rows, in the usage table (DESIGN.md: usage holds the counters "and analytics
 * aggregates"; both add up forever, so they share its backups and retention):
 *   pk = "hour#<YYYY-MM-DD>"                        a day's rows; no key id holds "#", so a key's
 *                                                   usage partition is never one of these
 *   sk = "<keyId>#<hour>#<provider>#<model>"        each part escaped ("%" → %25, "#" → %23): one
 *                                                   row per hour, key, provider and model
 * `keyId`, `hour`, `provider`, `model` as they are; the counters, the histogram buckets
 * (`l<i>` latency, `f<i>` time to first byte) and the guardrail counters (`g#<policy>:<action>`:
 * no other attribute holds a "#") added with one UpdateItem ADD. A query reads one partition per
 * day: for one key, the key-condition range of its hours; for all keys, the day.
 */
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ANALYTICS_COUNTERS, analyticsDays, checkAnalyticsRow } from "../log-rules.js";
import type { AnalyticsRow, AnalyticsStore } from "../types.js";
import { call } from "./errors.js";

/** What begins the partition key of every analytics item (usage.ts leaves them out of its Scan). */
export const ANALYTICS_PK_PREFIX = "hour#";
/** Days queried at once. */
const PARALLEL_DAYS = 8;

/** A part of the sort key, escaped so that none holds the "#" between parts. */
const skPart = (s: string) => s.replace(/%/g, "%25").replace(/#/g, "%23");
const BUCKET_ATTRIBUTE = /^([lf])(0|[1-9]\d?)$/;
const GUARDRAIL_PREFIX = "g#";

type Item = Record<string, unknown>;

function toRow(item: Item): AnalyticsRow {
  const row = {
    hour: item.hour,
    keyId: item.keyId,
    provider: item.provider,
    model: item.model,
    ...Object.fromEntries(ANALYTICS_COUNTERS.map((c) => [c, Number(item[c] ?? 0)])),
    latency: {} as Record<string, number>,
    ttfb: {} as Record<string, number>,
  } as AnalyticsRow;
  for (const [name, value] of Object.entries(item)) {
    const bucket = BUCKET_ATTRIBUTE.exec(name);
    if (bucket) (bucket[1] === "l" ? row.latency : row.ttfb)[bucket[2]!] = Number(value);
    else if (name.startsWith(GUARDRAIL_PREFIX)) (row.guardrails ??= {})[name.slice(GUARDRAIL_PREFIX.length)] = Number(value);
  }
  return row;
}

export class DynamoAnalytics implements AnalyticsStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    /** The usage table. */
    private readonly table: string,
  ) {}

  async add(row: AnalyticsRow) {
    checkAnalyticsRow(row);
    const names: Record<string, string> = { "#k": "keyId", "#h": "hour", "#p": "provider", "#m": "model" };
    const values: Record<string, unknown> = { ":k": row.keyId, ":h": row.hour, ":p": row.provider, ":m": row.model };
    const adds: string[] = [];
    const add = (attribute: string, amount: number) => {
      const i = adds.length;
      names[`#a${i}`] = attribute;
      values[`:a${i}`] = amount;
      adds.push(`#a${i} :a${i}`);
    };
    for (const c of ANALYTICS_COUNTERS) add(c, row[c]);
    for (const [bucket, n] of Object.entries(row.latency ?? {})) if (n) add(`l${bucket}`, n);
    for (const [bucket, n] of Object.entries(row.ttfb ?? {})) if (n) add(`f${bucket}`, n);
    for (const [counter, n] of Object.entries(row.guardrails ?? {})) add(GUARDRAIL_PREFIX + counter, n);
    await call("UpdateItem", () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: ANALYTICS_PK_PREFIX + row.hour.slice(0, 10), sk: `${skPart(row.keyId)}#${row.hour}#${skPart(row.provider)}#${skPart(row.model)}` },
          UpdateExpression: `SET #k = :k, #h = :h, #p = :p, #m = :m ADD ${adds.join(", ")}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async query(filter: { from: string; to: string; keyId?: string }) {
    const days = analyticsDays(filter);
    const rows: AnalyticsRow[] = [];
    for (let i = 0; i < days.length; i += PARALLEL_DAYS) {
      const found = await Promise.all(days.slice(i, i + PARALLEL_DAYS).map((day) => this.day(day, filter)));
      for (const f of found) rows.push(...f);
    }
    return rows;
  }

  private async day(day: string, filter: { from: string; to: string; keyId?: string }): Promise<AnalyticsRow[]> {
    const rows: AnalyticsRow[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await call("Query", () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            ...(filter.keyId !== undefined
              ? {
                  // "$" sorts right after "#": above every row of the last hour.
                  KeyConditionExpression: "pk = :pk AND sk BETWEEN :low AND :high",
                  ExpressionAttributeValues: { ":pk": ANALYTICS_PK_PREFIX + day, ":low": `${skPart(filter.keyId)}#${filter.from}`, ":high": `${skPart(filter.keyId)}#${filter.to}$` },
                }
              : { KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": ANALYTICS_PK_PREFIX + day } }),
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of r.Items ?? []) {
        const row = toRow(item);
        if (row.hour >= filter.from && row.hour <= filter.to && (filter.keyId === undefined || row.keyId === filter.keyId)) rows.push(row);
      }
      start = r.LastEvaluatedKey;
    } while (start);
    return rows;
  }
}
