/** Response cache: pk = cache key, `v` = value, `exp` = expiry in ms (checked on read), `ttl` = DynamoDB TTL. */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { CacheStore } from "../types.js";
import { call } from "./errors.js";
import { TTL_ATTRIBUTE } from "./tables.js";

/** DynamoDB items are at most 400 KB; larger answers are simply not cached. */
export const MAX_CACHE_VALUE_BYTES = 350 * 1024;

function tooLarge(value: string): boolean {
  // A UTF-8 char is at most 3 bytes per UTF-16 unit: encode only when it could matter.
  return value.length * 3 > MAX_CACHE_VALUE_BYTES && new TextEncoder().encode(value).length > MAX_CACHE_VALUE_BYTES;
}

export class DynamoCache implements CacheStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
  ) {}

  async get(key: string) {
    const r = await call("GetItem", () => this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: key } })));
    const item = r.Item;
    if (!item || typeof item.exp !== "number" || item.exp <= this.now()) return null;
    return item.v as string;
  }

  async put(key: string, value: string, ttlSeconds: number) {
    if (!(ttlSeconds > 0) || tooLarge(value)) return;
    const exp = this.now() + ttlSeconds * 1000;
    await call("PutItem", () =>
      this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: key, v: value, exp, [TTL_ATTRIBUTE]: Math.ceil(exp / 1000) } })),
    );
  }
}
