/**
 * Stored responses. A record may take 16 MiB and a DynamoDB item at most 400 KB, so the record's
 * bytes (the response's UTF-8, then the items') are gzipped and cut into parts of PART_BYTES:
 *   pk = "<tenant>/<id>", sk = "h"              the head: id, tenant, createdAt, `gen`, `n` parts,
 *                                               `rb` = the response's byte length, `d` = part 0
 *   pk = "<tenant>/<id>", sk = "p#<gen>#<i>"    part i (1 ≤ i < n), `d` = its bytes
 * Every item has `exp` (ms, checked on read) and `ttl` (s, for DynamoDB's TTL). A put writes the
 * new generation's parts, then the head, then deletes the parts of the generation it replaced, so
 * a reader finds either a whole old record or a whole new one. A get is one Query on pk.
 */
import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { checkResponsePut, MAX_RESPONSE_RECORD_BYTES, responseKey, utf8Length } from "../rules.js";
import { StoreUnavailableError, type ResponseStore, type StoredResponse } from "../types.js";
import { writeBatch, type WriteRequests } from "./batch.js";
import { call } from "./errors.js";
import { TTL_ATTRIBUTE } from "./tables.js";

/** Bytes of gzipped record per item: under the 400 KB item cap with room for the keys and attributes. */
export const PART_BYTES = 350 * 1024;
const HEAD = "h";
/** DynamoDB's limit on a partition key: a longer `<tenant>/<id>` is never stored, so never found. */
const MAX_PK_BYTES = 2048;
/** Parts per BatchWriteItem (at most 25): about 3.5 MB a request, so one attempt fits STRAIT_DYNAMODB_TIMEOUT_MS. */
const PARTS_PER_BATCH = 10;
/** Rounds for the writes DynamoDB hands back unprocessed (throttled) before giving up. */
/** Reads again when a put replaced the record between the head and its parts. */
const READ_ATTEMPTS = 3;

type Item = Record<string, any>;

const partKey = (gen: string, i: number) => `p#${gen}#${String(i).padStart(4, "0")}`;

export class DynamoResponses implements ResponseStore {
  readonly maxRecordBytes = MAX_RESPONSE_RECORD_BYTES;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number,
  ) {}

  async put(record: StoredResponse, ttlSeconds: number) {
    checkResponsePut(record, ttlSeconds, this.maxRecordBytes);
    const pk = responseKey(record.tenant, record.id);
    if (utf8Length(pk) > MAX_PK_BYTES) throw new Error(`a stored response's tenant and id take over ${MAX_PK_BYTES} bytes`);
    const encoder = new TextEncoder();
    const response = encoder.encode(record.response);
    const zipped = await transform([response, encoder.encode(record.items)], new CompressionStream("gzip"));
    const parts: Uint8Array[] = [];
    for (let at = 0; at === 0 || at < zipped.length; at += PART_BYTES) parts.push(zipped.slice(at, at + PART_BYTES));
    const exp = this.now() + ttlSeconds * 1000;
    const expiry = { exp, [TTL_ATTRIBUTE]: Math.ceil(exp / 1000) };
    const gen = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");

    await this.write(parts.slice(1).map((d, i) => ({ PutRequest: { Item: { pk, sk: partKey(gen, i + 1), d, ...expiry } } })));
    const head = { pk, sk: HEAD, id: record.id, tenant: record.tenant, createdAt: record.createdAt, gen, n: parts.length, rb: response.length, d: parts[0], ...expiry };
    const r = await call("PutItem", () => this.doc.send(new PutCommand({ TableName: this.table, Item: head, ReturnValues: "ALL_OLD" })));
    // The new record is whole already; parts left behind by a failure here expire with their TTL.
    await this.deleteParts(pk, r.Attributes).catch(() => {});
  }

  async get(tenant: string, id: string): Promise<StoredResponse | null> {
    const pk = responseKey(tenant, id);
    if (utf8Length(pk) > MAX_PK_BYTES) return null;
    for (let attempt = 1; ; attempt++) {
      const items = await this.query(pk);
      const head = items.find((i) => i.sk === HEAD);
      if (!head || typeof head.exp !== "number" || head.exp <= this.now() || head.tenant !== tenant || head.id !== id) return null;
      const found = new Map<string, Uint8Array>(items.map((i) => [i.sk, i.d]));
      const parts = Array.from({ length: head.n }, (_, i) => (i === 0 ? head.d : found.get(partKey(head.gen, i))));
      if (parts.every((p) => p instanceof Uint8Array)) {
        const bytes = await transform(parts, new DecompressionStream("gzip"));
        const decoder = new TextDecoder();
        return { id, tenant, createdAt: head.createdAt, response: decoder.decode(bytes.subarray(0, head.rb)), items: decoder.decode(bytes.subarray(head.rb)) };
      }
      if (attempt >= READ_ATTEMPTS) {
        throw new StoreUnavailableError(`DynamoDB Query: stored response ${id} kept changing while it was read`, "IncompleteResponse", false);
      }
    }
  }

  async delete(tenant: string, id: string) {
    const pk = responseKey(tenant, id);
    if (utf8Length(pk) > MAX_PK_BYTES) return false;
    const r = await call("DeleteItem", () => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk, sk: HEAD }, ReturnValues: "ALL_OLD" })));
    const old = r.Attributes;
    if (!old) return false;
    await this.deleteParts(pk, old);
    return typeof old.exp === "number" && old.exp > this.now();
  }

  private async query(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await call("Query", () =>
        this.doc.send(
          new QueryCommand({ TableName: this.table, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk }, ConsistentRead: true, ExclusiveStartKey: start }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** The parts 1..n-1 of the generation a (replaced or deleted) head named. */
  private deleteParts(pk: string, head: Item | undefined): Promise<void> {
    if (!head || typeof head.gen !== "string" || !(head.n > 1)) return Promise.resolve();
    return this.write(Array.from({ length: head.n - 1 }, (_, i) => ({ DeleteRequest: { Key: { pk, sk: partKey(head.gen, i + 1) } } })));
  }

  private async write(requests: WriteRequests): Promise<void> {
    const batches: WriteRequests[] = [];
    for (let i = 0; i < requests.length; i += PARTS_PER_BATCH) batches.push(requests.slice(i, i + PARTS_PER_BATCH));
    await Promise.all(batches.map((b) => this.writeBatch(b)));
  }

  private writeBatch(requests: WriteRequests): Promise<void> {
    return writeBatch(this.doc, this.table, requests, "response parts");
  }

}

async function transform(chunks: Uint8Array[], stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob(chunks as BlobPart[]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}
