/**
 * Virtual keys in one table, two items per key:
 *   pk = "id#<id>"     the record (admin reads, listing)
 *   pk = "hash#<hex>"  a copy of the record, so the per-request lookup by hash is one GetItem
 * Every write keeps the pair consistent. With transactions (DynamoDB, DynamoDB Local) a put or
 * delete is one TransactWriteItems conditioned on the id item's current hash. dynalite has no
 * transactions, so there the writes are sequential, serialized per id inside this process (the
 * embedded store has one writer), ordered so that an interruption can only leave a key unusable,
 * never an old key still valid.
 */
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, TransactWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { StoreUnavailableError, type KeyStore, type Page, type VirtualKeyRecord } from "../types.js";
import { call, isExpected } from "./errors.js";

const ID = "id#";
const HASH = "hash#";
/** Optimistic retries when another writer changed the same key between our read and write. */
const MAX_ATTEMPTS = 10;
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 5 * 2 ** attempt)));

function toRecord(item: Record<string, unknown> | undefined): VirtualKeyRecord | null {
  if (!item) return null;
  const { pk: _pk, ...record } = item;
  return record as unknown as VirtualKeyRecord;
}

/**
 * The per-item reasons of a cancelled transaction, when all of them are worth a retry (a condition
 * that failed because another writer got there first, a conflicting transaction). Anything else
 * — throttling, validation — is rethrown as the failure it is.
 */
function cancellation(e: unknown): string[] {
  if (!isExpected(e, "TransactionCanceledException")) throw e;
  const codes = ((e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code ?? "None");
  const bad = codes.find((c) => c !== "None" && c !== "ConditionalCheckFailed" && c !== "TransactionConflict");
  if (bad) {
    const throttled = bad === "ThrottlingError" || bad === "ProvisionedThroughputExceeded" || bad === "RequestLimitExceeded";
    throw new StoreUnavailableError(`DynamoDB TransactWriteItems failed: ${bad}`, bad, throttled, { cause: e });
  }
  return codes;
}

const hashConflict = () => new StoreUnavailableError("this key hash already belongs to another key", "HashConflict", false);

export class DynamoKeys implements KeyStore {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly transactions: boolean,
  ) {}

  // Strongly consistent: a rotated or deleted key must stop resolving at once, on every host.
  async getByHash(hash: string) {
    const r = await call("GetItem", () => this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: HASH + hash }, ConsistentRead: true })));
    return toRecord(r.Item);
  }

  async getById(id: string) {
    return this.current(id);
  }

  private async current(id: string): Promise<VirtualKeyRecord | null> {
    const r = await call("GetItem", () => this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: ID + id }, ConsistentRead: true })));
    return toRecord(r.Item);
  }

  async put(record: VirtualKeyRecord) {
    if (!this.transactions) return this.serialized(record.id, () => this.putSequential(record));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const old = await this.current(record.id);
      try {
        await call("TransactWriteItems", () =>
          this.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: this.table,
                    Item: { ...record, pk: ID + record.id },
                    ...(old
                      ? { ConditionExpression: "#h = :old", ExpressionAttributeNames: { "#h": "hash" }, ExpressionAttributeValues: { ":old": old.hash } }
                      : { ConditionExpression: "attribute_not_exists(pk)" }),
                  },
                },
                { Put: { TableName: this.table, Item: { ...record, pk: HASH + record.hash }, ...this.ownedBy(record.id) } },
                ...(old && old.hash !== record.hash ? [{ Delete: { TableName: this.table, Key: { pk: HASH + old.hash } } }] : []),
              ],
            }),
          ),
        );
        return;
      } catch (e) {
        const codes = cancellation(e);
        if (codes[1] === "ConditionalCheckFailed") throw hashConflict();
        // Otherwise someone else wrote this id between our read and our write: read again and retry.
      }
    }
    throw new StoreUnavailableError(`DynamoDB TransactWriteItems kept conflicting on key ${record.id}`, "TransactionConflict", false);
  }

  /** The hash item may be written only if it is new or already belongs to this id. */
  private ownedBy(id: string) {
    return { ConditionExpression: "attribute_not_exists(pk) OR #id = :id", ExpressionAttributeNames: { "#id": "id" }, ExpressionAttributeValues: { ":id": id } };
  }

  private async putSequential(record: VirtualKeyRecord) {
    const old = await this.current(record.id);
    // Rotation: the old key stops working first.
    if (old && old.hash !== record.hash) await this.deleteItem(HASH + old.hash);
    try {
      await call("PutItem", () => this.doc.send(new PutCommand({ TableName: this.table, Item: { ...record, pk: HASH + record.hash }, ...this.ownedBy(record.id) })));
    } catch (e) {
      if (isExpected(e, "ConditionalCheckFailedException")) throw hashConflict();
      throw e;
    }
    await call("PutItem", () => this.doc.send(new PutCommand({ TableName: this.table, Item: { ...record, pk: ID + record.id } })));
  }

  async list(cursor?: string, limit = 100): Promise<Page<VirtualKeyRecord>> {
    const want = Math.max(1, Math.min(limit, 1000));
    const items: VirtualKeyRecord[] = [];
    let start: Record<string, unknown> | undefined = cursor === undefined ? undefined : { pk: ID + cursor };
    for (;;) {
      const r = await call("Scan", () =>
        this.doc.send(
          new ScanCommand({
            TableName: this.table,
            FilterExpression: "begins_with(pk, :id)",
            ExpressionAttributeValues: { ":id": ID },
            ExclusiveStartKey: start,
            Limit: Math.max(2 * want, 50),
          }),
        ),
      );
      const page = (r.Items ?? []).map((i) => toRecord(i)!);
      for (let i = 0; i < page.length; i++) {
        items.push(page[i]!);
        if (items.length === want) {
          const more = i < page.length - 1 || r.LastEvaluatedKey !== undefined;
          return more ? { items, cursor: page[i]!.id } : { items };
        }
      }
      if (!r.LastEvaluatedKey) return { items };
      start = r.LastEvaluatedKey;
    }
  }

  async delete(id: string) {
    if (!this.transactions) return this.serialized(id, () => this.deleteSequential(id));
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const old = await this.current(id);
      if (!old) return false;
      try {
        await call("TransactWriteItems", () =>
          this.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Delete: {
                    TableName: this.table,
                    Key: { pk: ID + id },
                    ConditionExpression: "#h = :old",
                    ExpressionAttributeNames: { "#h": "hash" },
                    ExpressionAttributeValues: { ":old": old.hash },
                  },
                },
                { Delete: { TableName: this.table, Key: { pk: HASH + old.hash } } },
              ],
            }),
          ),
        );
        return true;
      } catch (e) {
        cancellation(e);
      }
    }
    throw new StoreUnavailableError(`DynamoDB TransactWriteItems kept conflicting on key ${id}`, "TransactionConflict", false);
  }

  private async deleteSequential(id: string) {
    const old = await this.current(id);
    if (!old) return false;
    await this.deleteItem(HASH + old.hash);
    await this.deleteItem(ID + id);
    return true;
  }

  private deleteItem(pk: string) {
    return call("DeleteItem", () => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk } })));
  }

  /** Runs writes to one id one after another (sequential mode only). */
  private serialized<T>(id: string, work: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.then(work, work);
    const tail = next.catch(() => {});
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return next;
  }
}
