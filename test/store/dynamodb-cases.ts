/** Cases about the DynamoDB adapter's own table layout, run on dynalite and on DynamoDB Local. */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { createTables, type TableNames } from "../../core/store/dynamodb/tables.js";
import { StoreUnavailableError } from "../../core/store/types.js";
import { keyRecord } from "./contract.js";

export interface DynamoTarget {
  client: DynamoDBClient;
  tables: TableNames;
  transactions: boolean;
  ttl: boolean;
}

export function describeDynamoCases(name: string, target: () => DynamoTarget): void {
  describe(`DynamoDB adapter on ${name}`, () => {
    const store = () => dynamodbStore(target());
    const doc = () => DynamoDBDocumentClient.from(target().client);

    it("createTables is idempotent", async () => {
      const t = target();
      await createTables(t.client, t.tables, { ttl: t.ttl });
    });

    it("ignores expired items still physically in the table", async () => {
      const { tables } = target();
      const past = Date.now() - 1000;
      const pk = `stale-${Math.random()}`;
      await doc().send(new PutCommand({ TableName: tables.cache, Item: { pk, v: "old answer", exp: past, ttl: Math.floor(past / 1000) + 3600 } }));
      await doc().send(new PutCommand({ TableName: tables.limits, Item: { pk: `${pk}#0`, c: 42, exp: past, ttl: Math.floor(past / 1000) + 3600 } }));
      expect((await doc().send(new GetCommand({ TableName: tables.cache, Key: { pk } }))).Item).toBeDefined();
      expect(await store().cache.get(pk)).toBeNull();
      expect(await store().limits.get(pk, 0)).toBe(0);
    });

    it("stores a key as an id item and a hash item", async () => {
      const { tables } = target();
      const rec = keyRecord();
      await store().keys.put(rec);
      const byId = await doc().send(new GetCommand({ TableName: tables.keys, Key: { pk: `id#${rec.id}` } }));
      const byHash = await doc().send(new GetCommand({ TableName: tables.keys, Key: { pk: `hash#${rec.hash}` } }));
      expect(byId.Item).toEqual({ ...rec, pk: `id#${rec.id}` });
      expect(byHash.Item).toEqual({ ...rec, pk: `hash#${rec.hash}` });
    });

    it("refuses a hash that already belongs to another key", async () => {
      const a = keyRecord();
      await store().keys.put(a);
      const b = keyRecord({ hash: a.hash });
      await expect(store().keys.put(b)).rejects.toMatchObject({ name: "StoreUnavailableError", code: "HashConflict" });
      expect((await store().keys.getByHash(a.hash))!.id).toBe(a.id);
      expect(await store().keys.getById(b.id)).toBeNull();
    });

    it("reads a usage item written before cacheHits existed as 0 hits, and adds to it", async () => {
      const { tables } = target();
      const pk = `key_old_${Math.random().toString(36).slice(2)}`;
      await doc().send(
        new PutCommand({ TableName: tables.usage, Item: { pk, sk: "2026-11-20#m", day: "2026-11-20", model: "m", requests: 3, tokensIn: 30, tokensOut: 60, costMicros: 900 } }),
      );
      expect(await store().usage.query({ keyId: pk })).toEqual([{ keyId: pk, day: "2026-11-20", model: "m", requests: 3, cacheHits: 0, tokensIn: 30, tokensOut: 60, costMicros: 900 }]);
      await store().usage.add({ keyId: pk, day: "2026-11-20", model: "m", requests: 1, cacheHits: 1, tokensIn: 0, tokensOut: 0, costMicros: 0 });
      expect(await store().usage.query({ keyId: pk })).toEqual([{ keyId: pk, day: "2026-11-20", model: "m", requests: 4, cacheHits: 1, tokensIn: 30, tokensOut: 60, costMicros: 900 }]);
    });

    it("does not cache a value too large for a DynamoDB item", async () => {
      await store().cache.put("huge", "x".repeat(400 * 1024), 60);
      expect(await store().cache.get("huge")).toBeNull();
    });

    it("a missing table is a StoreUnavailableError naming the backend's error", async () => {
      const t = target();
      const broken = dynamodbStore({ ...t, tables: { ...t.tables, limits: "no-such-table" } });
      const err = await broken.limits.hit("k", 0, 60_000, 1, 1).catch((e) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect(err).toMatchObject({ code: "ResourceNotFoundException", throttled: false });
    });
  });
}
