/** Response cache: pk = cache key, `v` = value, `exp` = expiry in ms (checked on read), `ttl` = DynamoDB TTL. */
import { BatchWriteCommand, GetCommand, PutCommand, ScanCommand, type BatchWriteCommandInput, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { exceedsUtf8Bytes } from "../rules.js";
import { StoreUnavailableError, type CacheStore } from "../types.js";
import { call } from "./errors.js";
import { TTL_ATTRIBUTE } from "./tables.js";

/** DynamoDB items are at most 400 KB; larger answers are simply not cached. */
export const MAX_CACHE_VALUE_BYTES = 350 * 1024;

/** BatchWriteItem takes at most 25 requests. */
const BATCH = 25;
/** Batches of one scanned page in flight at once: fast on on-demand tables, gentle on provisioned ones. */
const PARALLEL_BATCHES = 4;
/** Rounds for the deletes DynamoDB hands back unprocessed (throttled) before the purge gives up. */
const UNPROCESSED_ATTEMPTS = 8;
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2)));

type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>[string];

export class DynamoCache implements CacheStore {
  readonly maxValueBytes = MAX_CACHE_VALUE_BYTES;

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
    if (!(ttlSeconds > 0) || exceedsUtf8Bytes(value, MAX_CACHE_VALUE_BYTES)) return;
    const exp = this.now() + ttlSeconds * 1000;
    await call("PutItem", () =>
      this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: key, v: value, exp, [TTL_ATTRIBUTE]: Math.ceil(exp / 1000) } })),
    );
  }

  /**
   * A Scan of the keys only, then BatchWriteItem deletes. A prefix is a filter, not a key
   * condition: the Scan still reads (and bills) the whole table, which is fine for an admin action.
   */
  async purge(prefix = "") {
    let deleted = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await call("Scan", () =>
        this.doc.send(
          new ScanCommand({
            TableName: this.table,
            ProjectionExpression: "pk",
            ConsistentRead: true,
            ExclusiveStartKey: start,
            ...(prefix ? { FilterExpression: "begins_with(pk, :prefix)", ExpressionAttributeValues: { ":prefix": prefix } } : {}),
          }),
        ),
      );
      const keys = (page.Items ?? []).map((item) => item.pk as string);
      const batches: string[][] = [];
      for (let i = 0; i < keys.length; i += BATCH) batches.push(keys.slice(i, i + BATCH));
      for (let i = 0; i < batches.length; i += PARALLEL_BATCHES) {
        await Promise.all(batches.slice(i, i + PARALLEL_BATCHES).map((b) => this.deleteAll(b)));
      }
      deleted += keys.length;
      start = page.LastEvaluatedKey;
    } while (start);
    return deleted;
  }

  private async deleteAll(keys: string[]): Promise<void> {
    let requests: WriteRequests = keys.map((pk) => ({ DeleteRequest: { Key: { pk } } }));
    for (let attempt = 1; ; attempt++) {
      const r = await call("BatchWriteItem", () => this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } })));
      const left = r.UnprocessedItems?.[this.table];
      if (!left?.length) return;
      if (attempt >= UNPROCESSED_ATTEMPTS) {
        throw new StoreUnavailableError(`DynamoDB BatchWriteItem throttled: ${left.length} cache deletes still unprocessed after ${attempt} attempts`, "UnprocessedItems", true);
      }
      await backoff(attempt);
      requests = left as WriteRequests;
    }
  }
}
