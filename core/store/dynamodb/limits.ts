/**
 * Rate-limit and token counters: one item per counter and window, pk = "<key>#<windowStart>",
 * `c` = count, `exp` = when it stops being readable (ms), `ttl` = DynamoDB TTL (s, a minute later).
 * `hit` is one conditional UpdateItem: ADD only while the result stays within the limit.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { counterExpiry } from "../rules.js";
import type { CounterResult, LimitStore } from "../types.js";
import { call, isExpected } from "./errors.js";
import { TTL_ATTRIBUTE } from "./tables.js";

/** The count in the item a failed condition returned (ReturnValuesOnConditionCheckFailure), when the backend sent it. */
function countOf(e: unknown): number | undefined {
  const c = (e as { Item?: { c?: unknown } }).Item?.c;
  if (typeof c === "number") return c;
  const n = (c as { N?: string } | undefined)?.N;
  return n === undefined ? undefined : Number(n);
}

export class DynamoLimits implements LimitStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
  ) {}

  private update(key: string, windowStart: number, windowMs: number, amount: number, max?: number) {
    const exp = counterExpiry(windowStart, windowMs);
    return this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `${key}#${windowStart}` },
        UpdateExpression: "ADD #c :n SET #exp = :exp, #ttl = :ttl",
        ...(max === undefined ? {} : { ConditionExpression: "attribute_not_exists(#c) OR #c <= :max" }),
        ExpressionAttributeNames: { "#c": "c", "#exp": "exp", "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ":n": amount, ":exp": exp, ":ttl": Math.ceil(exp / 1000) + 60, ...(max === undefined ? {} : { ":max": max }) },
        ReturnValues: "UPDATED_NEW",
        ...(max === undefined ? {} : { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const }),
      }),
    );
  }

  async hit(key: string, windowStart: number, windowMs: number, cost: number, limit: number): Promise<CounterResult> {
    if (cost > limit) return { allowed: false, count: await this.get(key, windowStart) };
    try {
      const r = await call("UpdateItem", () => this.update(key, windowStart, windowMs, cost, limit - cost));
      return { allowed: true, count: Number(r.Attributes?.c ?? cost) };
    } catch (e) {
      if (!isExpected(e, "ConditionalCheckFailedException")) throw e;
      return { allowed: false, count: countOf(e) ?? (await this.get(key, windowStart)) };
    }
  }

  async add(key: string, windowStart: number, windowMs: number, amount: number) {
    const r = await call("UpdateItem", () => this.update(key, windowStart, windowMs, amount));
    return Number(r.Attributes?.c ?? amount);
  }

  async get(key: string, windowStart: number) {
    const r = await call("GetItem", () => this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: `${key}#${windowStart}` }, ConsistentRead: true })));
    const item = r.Item;
    if (!item || typeof item.exp !== "number" || item.exp <= this.now()) return 0;
    return Number(item.c ?? 0);
  }
}
