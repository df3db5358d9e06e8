/**
 * The request log: one item per entry.
 *   pk    the entry id
 *   e     the entry without its bodies, JSON
 *   rq/rs the request and response bodies; `bd` = true when there is either
 *   exp   expiresAt (ms, checked on every read); `ttl` the same in seconds, for DynamoDB's TTL
 *   ts    "<at as 15 digits>#<id>": sorts as the listing does
 *   keyId the virtual key's id (absent without one); `sh` a shard, "0".."7", from the id's hash
 * Two indexes list newest first without a Scan: byKey (keyId, ts) holds one key's entries and
 * byTime (sh, ts) all of them over SHARDS partitions, which a listing queries together and merges
 * (so the log's write rate is not one partition's). Both carry only `e` and `bd`: bodies are
 * written once, and a page fetches its own with BatchGetItem. Every other filter runs in code
 * over `e` while paging (log-rules.ts). A put is one BatchWriteItem per 25 entries, no reads.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import {
  applyLogPatch,
  checkLogEntries,
  checkLogFilter,
  checkLogPatch,
  decodeLogCursor,
  encodeLogCursor,
  isLogId,
  type LogPosition,
  logPageSize,
  MAX_LOG_AT,
  MAX_LOG_PAGE,
  matchesLogFilter,
} from "../log-rules.js";
import { utf8Length } from "../rules.js";
import { StoreUnavailableError, type LogEntry, type LogFilter, type LogPatch, type LogStore, type Page } from "../types.js";
import { backoff, UNPROCESSED_ATTEMPTS, writeBatch, type WriteRequests } from "./batch.js";
import { call, isExpected } from "./errors.js";
import { LOG_INDEXES, TTL_ATTRIBUTE } from "./tables.js";

/** Partitions of the byTime index. Changing it strands the entries written under the old count. */
export const SHARDS = 8;
/** BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys. */
const WRITE_BATCH = 25;
const GET_BATCH = 100;
/** Rounds for the requests DynamoDB hands back unprocessed (throttled) before giving up. */
/** Optimistic retries of a patch when another writer changed the entry between our read and write. */
const PATCH_ATTEMPTS = 10;
/** Bytes of entry and bodies an item may hold: under DynamoDB's 400 KB with room for the keys and names. */
export const MAX_ITEM_BYTES = 380 * 1024;

type Item = Record<string, any>;

const sortKey = (p: LogPosition) => `${String(p.at).padStart(15, "0")}#${p.id}`;

/** FNV-1a over the id: the same shard on every host, spread evenly. */
function shardOf(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return String((h >>> 0) % SHARDS);
}

/** `s` cut to at most `maxBytes` of UTF-8, at a character boundary. */
function cutUtf8(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  const bytes = new TextEncoder().encode(s);
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

/**
 * The item of an entry. Bodies that would take the item over DynamoDB's limit are cut and the
 * entry marked truncated: one oversized entry must not fail its batch.
 */
function toItem(entry: LogEntry): Item {
  const { requestBody, responseBody, ...rest } = entry;
  let json = JSON.stringify(rest);
  let rq = requestBody;
  let rs = responseBody;
  const budget = MAX_ITEM_BYTES - utf8Length(json) - 2 * entry.id.length;
  const rqBytes = rq === undefined ? 0 : utf8Length(rq);
  const rsBytes = rs === undefined ? 0 : utf8Length(rs);
  if (rqBytes + rsBytes > budget) {
    // The request keeps at least half the room, more when the response needs less.
    const rqMax = Math.max(0, rqBytes <= budget / 2 ? rqBytes : Math.max(Math.floor(budget / 2), budget - rsBytes));
    if (rq !== undefined) rq = cutUtf8(rq, rqMax);
    if (rs !== undefined) rs = cutUtf8(rs, Math.max(0, budget - Math.min(rqBytes, rqMax)));
    json = JSON.stringify({ ...rest, truncated: true });
  }
  return {
    pk: entry.id,
    ts: sortKey(entry),
    sh: shardOf(entry.id),
    // An index key can't be an empty string: such an entry is listed through byTime only.
    ...(entry.keyId ? { keyId: entry.keyId } : {}),
    e: json,
    ...(rq !== undefined ? { rq } : {}),
    ...(rs !== undefined ? { rs } : {}),
    ...(rq !== undefined || rs !== undefined ? { bd: true } : {}),
    exp: entry.expiresAt,
    [TTL_ATTRIBUTE]: Math.ceil(entry.expiresAt / 1000),
  };
}

function withBodies(entry: LogEntry, item: Item): LogEntry {
  if (typeof item.rq === "string") entry.requestBody = item.rq;
  if (typeof item.rs === "string") entry.responseBody = item.rs;
  return entry;
}

/** The key-condition bounds of `ts` for a filter and a cursor; none when nothing can match. */
function sortKeyRange(filter: LogFilter, after: LogPosition | undefined): { lo: string; hi: string } | undefined {
  let lo = "0";
  let hi = "~"; // above every digit
  if (filter.from !== undefined) {
    const from = Math.ceil(filter.from);
    if (from > MAX_LOG_AT) return undefined;
    if (from > 0) lo = `${String(from).padStart(15, "0")}#`;
  }
  if (filter.to !== undefined) {
    const to = Math.floor(filter.to);
    if (to < 0) return undefined;
    if (to <= MAX_LOG_AT) hi = `${String(to).padStart(15, "0")}$`; // "$" sorts right after "#"
  }
  // Inclusive: the entry at the cursor itself comes back first and is skipped.
  if (after && sortKey(after) < hi) hi = sortKey(after);
  return lo <= hi ? { lo, hi } : undefined;
}

/** One index partition, read newest first a page at a time, as the merge asks. */
class IndexPartition {
  private items: Item[] = [];
  private next = 0;
  private start: Record<string, unknown> | undefined;
  private done = false;

  constructor(
    private readonly query: (start: Record<string, unknown> | undefined, limit: number) => Promise<QueryCommandOutput>,
    private limit: number,
  ) {}

  /** Its buffer is used up and DynamoDB has more. */
  get wantsPage(): boolean {
    return this.next >= this.items.length && !this.done;
  }

  /** More may follow what is buffered. */
  get hasMore(): boolean {
    return !this.done;
  }

  async fetch(): Promise<void> {
    const page = await this.query(this.start, this.limit);
    this.items = page.Items ?? [];
    this.next = 0;
    this.start = page.LastEvaluatedKey;
    this.done = this.start === undefined;
    this.limit = Math.min(MAX_LOG_PAGE, this.limit * 2);
  }

  head(): Item | undefined {
    return this.items[this.next];
  }

  take(): Item {
    return this.items[this.next++]!;
  }

  buffered(): Item[] {
    return this.items.slice(this.next);
  }
}

export class DynamoLogs implements LogStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
  ) {}

  async put(entries: LogEntry[]) {
    checkLogEntries(entries);
    // BatchWriteItem refuses two requests for one key: the last entry of an id wins.
    const items = new Map(entries.map((e) => [e.id, toItem(e)]));
    const requests: WriteRequests = [...items.values()].map((Item) => ({ PutRequest: { Item } }));
    const batches: WriteRequests[] = [];
    for (let i = 0; i < requests.length; i += WRITE_BATCH) batches.push(requests.slice(i, i + WRITE_BATCH));
    await Promise.all(batches.map((b) => this.writeBatch(b)));
  }

  async get(id: string) {
    if (!isLogId(id)) return null;
    const item = await this.read(id);
    return item ? withBodies(JSON.parse(item.e), item) : null;
  }

  async list(filter: LogFilter, cursor?: string, limit?: number): Promise<Page<LogEntry>> {
    checkLogFilter(filter);
    const want = logPageSize(limit);
    const after = cursor === undefined ? undefined : decodeLogCursor(cursor);
    const range = sortKeyRange(filter, after);
    if (!range) return { items: [] };
    const skip = after && sortKey(after);
    const now = this.now();
    const accept = (item: Item): LogEntry | undefined => {
      if (item.ts === skip) return undefined;
      const entry = JSON.parse(item.e) as LogEntry;
      return entry.expiresAt > now && matchesLogFilter(entry, filter) ? entry : undefined;
    };

    const partitions = filter.keyId
      ? [this.partition(LOG_INDEXES.byKey, "keyId", filter.keyId, range, want + 1)]
      : Array.from({ length: SHARDS }, (_, s) => this.partition(LOG_INDEXES.byTime, "sh", String(s), range, Math.ceil(want / SHARDS) + 2));
    const page: { entry: LogEntry; bodies: boolean }[] = [];
    // A merge of newest-first partitions: take the newest head, fetching a partition's next page
    // only when its buffer is used up.
    while (page.length < want) {
      const waiting = partitions.filter((p) => p.wantsPage);
      if (waiting.length > 0) {
        await Promise.all(waiting.map((p) => p.fetch()));
        continue;
      }
      let newest: IndexPartition | undefined;
      for (const p of partitions) if (p.head() && (!newest || p.head()!.ts > newest.head()!.ts)) newest = p;
      if (!newest) return { items: await this.bodies(page) };
      const item = newest.take();
      const entry = accept(item);
      if (entry) page.push({ entry, bodies: item.bd === true });
    }
    // Full: a cursor unless what is already read shows nothing else can follow.
    const more = partitions.some((p) => p.hasMore || p.buffered().some((i) => accept(i) !== undefined));
    const items = await this.bodies(page);
    return more ? { items, cursor: encodeLogCursor(page[page.length - 1]!.entry) } : { items };
  }

  async patch(id: string, patch: LogPatch) {
    checkLogPatch(patch);
    if (!isLogId(id)) return null;
    for (let attempt = 1; attempt <= PATCH_ATTEMPTS; attempt++) {
      const item = await this.read(id);
      if (!item) return null;
      const next = applyLogPatch(JSON.parse(item.e), patch);
      const version = typeof item.v === "number" ? item.v : 0;
      try {
        // Conditioned on the version read: a concurrent patch makes this one read again.
        await call("UpdateItem", () =>
          this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: id },
              UpdateExpression: "SET #e = :e, #v = :next",
              ConditionExpression: version ? "#v = :v" : "attribute_exists(pk) AND attribute_not_exists(#v)",
              ExpressionAttributeNames: { "#e": "e", "#v": "v" },
              ExpressionAttributeValues: { ":e": JSON.stringify(next), ":next": version + 1, ...(version ? { ":v": version } : {}) },
            }),
          ),
        );
        return withBodies(next, item);
      } catch (e) {
        if (!isExpected(e, "ConditionalCheckFailedException")) throw e;
        await backoff(attempt);
      }
    }
    throw new StoreUnavailableError(`DynamoDB UpdateItem kept conflicting on log entry ${id}`, "ConditionalCheckFailedException", false);
  }

  async delete(id: string) {
    if (!isLogId(id)) return false;
    const r = await call("DeleteItem", () => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: id }, ReturnValues: "ALL_OLD" })));
    return this.live(r.Attributes) !== undefined;
  }

  private async read(id: string): Promise<Item | undefined> {
    const r = await call("GetItem", () => this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: id }, ConsistentRead: true })));
    return this.live(r.Item);
  }

  private live(item: Item | undefined): Item | undefined {
    return item && typeof item.exp === "number" && item.exp > this.now() ? item : undefined;
  }

  private partition(IndexName: string, attribute: string, value: string, range: { lo: string; hi: string }, limit: number): IndexPartition {
    return new IndexPartition(
      (start, Limit) =>
        call("Query", () =>
          this.doc.send(
            new QueryCommand({
              TableName: this.table,
              IndexName,
              KeyConditionExpression: "#p = :p AND #ts BETWEEN :lo AND :hi",
              ExpressionAttributeNames: { "#p": attribute, "#ts": "ts" },
              ExpressionAttributeValues: { ":p": value, ":lo": range.lo, ":hi": range.hi },
              ScanIndexForward: false,
              Limit,
              ExclusiveStartKey: start,
            }),
          ),
        ),
      Math.min(MAX_LOG_PAGE, limit),
    );
  }

  /** The page's entries, with the bodies of those that have any read from the table (the indexes don't hold them). */
  private async bodies(page: { entry: LogEntry; bodies: boolean }[]): Promise<LogEntry[]> {
    const ids = page.filter((p) => p.bodies).map((p) => p.entry.id);
    const found = new Map<string, Item>();
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += GET_BATCH) batches.push(ids.slice(i, i + GET_BATCH));
    await Promise.all(
      batches.map(async (batch) => {
        for (const item of await this.getBatch(batch)) found.set(item.pk, item);
      }),
    );
    return page.map((p) => {
      const item = found.get(p.entry.id);
      return item ? withBodies(p.entry, item) : p.entry;
    });
  }

  private async getBatch(ids: string[]): Promise<Item[]> {
    const out: Item[] = [];
    let keys: Record<string, unknown>[] = ids.map((pk) => ({ pk }));
    for (let attempt = 1; ; attempt++) {
      const r = await call("BatchGetItem", () =>
        this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: keys, ProjectionExpression: "#pk, #rq, #rs", ExpressionAttributeNames: { "#pk": "pk", "#rq": "rq", "#rs": "rs" } } },
          }),
        ),
      );
      out.push(...(r.Responses?.[this.table] ?? []));
      const left = r.UnprocessedKeys?.[this.table]?.Keys;
      if (!left?.length) return out;
      if (attempt >= UNPROCESSED_ATTEMPTS) {
        throw new StoreUnavailableError(`DynamoDB BatchGetItem throttled: ${left.length} log bodies still unread after ${attempt} attempts`, "UnprocessedKeys", true);
      }
      await backoff(attempt);
      keys = left;
    }
  }

  private writeBatch(requests: WriteRequests): Promise<void> {
    return writeBatch(this.doc, this.table, requests, "log entries");
  }

}
