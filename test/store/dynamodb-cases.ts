/** Cases about the DynamoDB adapter's own table layout, run on dynalite and on DynamoDB Local. */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { createTables, LOG_INDEX_ATTRIBUTES, TABLE_SCHEMAS, type TableNames } from "../../core/store/dynamodb/tables.js";
import { StoreUnavailableError } from "../../core/store/types.js";
import { PART_BYTES } from "../../core/store/dynamodb/responses.js";
import { MAX_ITEM_BYTES, SHARDS } from "../../core/store/dynamodb/logs.js";
import { keyRecord, logEntry, noise } from "./contract.js";

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

    describe("stored responses", () => {
      const items = async (pk: string) => {
        const all: Record<string, any>[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await doc().send(
            new QueryCommand({ TableName: target().tables.responses, KeyConditionExpression: "pk = :pk", ExpressionAttributeValues: { ":pk": pk }, ConsistentRead: true, ExclusiveStartKey: start }),
          );
          all.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
        return all;
      };
      const rec = (size: number) => ({
        id: `resp_${Math.random().toString(36).slice(2)}`,
        tenant: "key:key_parts",
        createdAt: 1_700_000_000,
        response: `{"text":"${noise(size / 2)}"}`,
        items: `["${noise(size / 2)}"]`,
      });

      it("a small record is one item; a 2 MB one, gzipped, a head and parts under pk <tenant>/<id>", async () => {
        const small = rec(1000);
        await store().responses.put(small, 60);
        expect((await items(`${small.tenant}/${small.id}`)).map((i) => i.sk)).toEqual(["h"]);
        const large = rec(2 * 1024 * 1024);
        await store().responses.put(large, 60);
        const stored = await items(`${large.tenant}/${large.id}`);
        const head = stored.find((i) => i.sk === "h")!;
        expect(head).toMatchObject({ id: large.id, tenant: large.tenant, createdAt: large.createdAt, n: stored.length, ttl: expect.any(Number), exp: expect.any(Number) });
        expect(stored.length).toBeGreaterThan(2);
        for (const i of stored) expect((i.d as Uint8Array).length).toBeLessThanOrEqual(PART_BYTES);
        expect(stored.filter((i) => i.sk !== "h").every((i) => i.sk.startsWith(`p#${head.gen}#`))).toBe(true);
      });

      it("an overwrite or a delete leaves none of the replaced record's parts behind", async () => {
        const large = rec(2 * 1024 * 1024);
        const pk = `${large.tenant}/${large.id}`;
        await store().responses.put(large, 60);
        const first = (await items(pk)).find((i) => i.sk === "h")!.gen;
        await store().responses.put({ ...large, items: `["${noise(1024 * 1024)}"]` }, 60);
        const second = await items(pk);
        const gen = second.find((i) => i.sk === "h")!.gen;
        expect(gen).not.toBe(first);
        expect(second.filter((i) => i.sk !== "h" && !i.sk.startsWith(`p#${gen}#`))).toEqual([]);
        expect(await store().responses.delete(large.tenant, large.id)).toBe(true);
        expect(await items(pk)).toEqual([]);
      });

      it("a record with a part missing is a StoreUnavailableError, never a truncated answer", async () => {
        const large = rec(2 * 1024 * 1024);
        const pk = `${large.tenant}/${large.id}`;
        await store().responses.put(large, 60);
        const part = (await items(pk)).find((i) => i.sk !== "h")!;
        await doc().send(new DeleteCommand({ TableName: target().tables.responses, Key: { pk, sk: part.sk } }));
        await expect(store().responses.get(large.tenant, large.id)).rejects.toMatchObject({ name: "StoreUnavailableError", code: "IncompleteResponse" });
      });
    });

    describe("request log", () => {
      it("the table has the two indexes, carrying the entry without bodies", async () => {
        const { Table } = await target().client.send(new DescribeTableCommand({ TableName: target().tables.logs }));
        const indexes = (Table!.GlobalSecondaryIndexes ?? []).map((i) => ({ name: i.IndexName, key: i.KeySchema, projection: i.Projection }));
        expect(indexes.sort((a, b) => (a.name! < b.name! ? -1 : 1))).toEqual(
          TABLE_SCHEMAS.logs.indexes!.map((i) => ({ name: i.IndexName, key: i.KeySchema, projection: { ProjectionType: "INCLUDE", NonKeyAttributes: LOG_INDEX_ATTRIBUTES } })),
        );
      });

      it("stores an entry as one item: the entry without bodies (guardrail hits in it), the bodies, the sort key, the shard, expiry and TTL", async () => {
        const { tables } = target();
        const guardrails = [{ policy: "pii", rule: "emails", stage: "input" as const, action: "redact" as const, count: 1, labels: ["EMAIL"] }];
        const e = logEntry(1_764_424_800_123, { keyId: `key_${Math.random().toString(36).slice(2)}`, requestBody: "q", responseBody: "a", guardrails });
        await store().logs!.put([e]);
        const item = (await doc().send(new GetCommand({ TableName: tables.logs, Key: { pk: e.id } }))).Item!;
        const { requestBody: _q, responseBody: _a, ...rest } = e;
        expect(item).toEqual({
          pk: e.id,
          ts: `001764424800123#${e.id}`,
          sh: expect.stringMatching(new RegExp(`^[0-${SHARDS - 1}]$`)),
          keyId: e.keyId,
          e: JSON.stringify(rest),
          rq: "q",
          rs: "a",
          bd: true,
          exp: e.expiresAt,
          ttl: Math.ceil(e.expiresAt / 1000),
        });
        const bare = logEntry(Date.now());
        await store().logs!.put([bare]);
        const bareItem = (await doc().send(new GetCommand({ TableName: tables.logs, Key: { pk: bare.id } }))).Item!;
        expect(Object.keys(bareItem).sort()).toEqual(["e", "exp", "pk", "sh", "ts", "ttl"]);
      });

      it("bodies too large for one item are cut to fit, the entry marked truncated; its batch is written", async () => {
        const big = logEntry(Date.now(), { requestBody: noise(300 * 1024), responseBody: noise(300 * 1024) });
        const small = logEntry(Date.now(), { requestBody: "a".repeat(1000), responseBody: noise(500 * 1024) });
        const fits = logEntry(Date.now(), { requestBody: "x", responseBody: "y" });
        await store().logs!.put([big, small, fits]);
        const got = (await store().logs!.get(big.id))!;
        expect(got.truncated).toBe(true);
        const bytes = (s: string) => new TextEncoder().encode(s).length;
        const total = bytes(got.requestBody!) + bytes(got.responseBody!);
        expect(total).toBeLessThanOrEqual(MAX_ITEM_BYTES);
        expect(total).toBeGreaterThan(MAX_ITEM_BYTES - 4 * 1024);
        expect(big.requestBody!.startsWith(got.requestBody!) && big.responseBody!.startsWith(got.responseBody!)).toBe(true);
        const gotSmall = (await store().logs!.get(small.id))!;
        expect(gotSmall.requestBody).toBe(small.requestBody);
        expect(gotSmall.truncated).toBe(true);
        expect(await store().logs!.get(fits.id)).toEqual(fits);
      });

      it("an entry with the same id twice in one put is written once, the last one", async () => {
        const first = logEntry(Date.now(), { status: 200 });
        await store().logs!.put([first, { ...first, status: 500 }]);
        expect((await store().logs!.get(first.id))!.status).toBe(500);
      });

      it("an entry with an empty key id is listed without the key index", async () => {
        const e = logEntry(Date.now() - 12_345, { keyId: "" });
        await store().logs!.put([e]);
        expect((await store().logs!.list({ from: e.at, to: e.at })).items.map((x) => x.id)).toContain(e.id);
        expect((await store().logs!.list({ keyId: "", from: e.at, to: e.at })).items.map((x) => x.id)).toEqual([e.id]);
      });
    });

    describe("analytics rows in the usage table", () => {
      const row = (keyId: string, hour: string) => ({
        hour,
        keyId,
        provider: "p#1",
        model: "m%x",
        requests: 2,
        errors4xx: 0,
        errors5xx: 1,
        cacheHits: 0,
        tokensIn: 1,
        tokensOut: 2,
        tokensCached: 0,
        costMicros: 3,
        latency: { "12": 2 },
        ttfb: { "3": 1 },
      });

      it("one item per row under hour#<day>, counters, buckets and guardrail counters (g#<policy>:<action>) as numbers", async () => {
        const k = `key_${Math.random().toString(36).slice(2)}`;
        await store().analytics!.add({ ...row(k, "2026-11-29T14"), guardrails: { "pii:block": 1, "a#b:flag": 2 } });
        const item = (await doc().send(new GetCommand({ TableName: target().tables.usage, Key: { pk: "hour#2026-11-29", sk: `${k}#2026-11-29T14#p%231#m%25x` } }))).Item;
        expect(item).toEqual({
          pk: "hour#2026-11-29",
          sk: `${k}#2026-11-29T14#p%231#m%25x`,
          keyId: k,
          hour: "2026-11-29T14",
          provider: "p#1",
          model: "m%x",
          requests: 2,
          errors4xx: 0,
          errors5xx: 1,
          cacheHits: 0,
          tokensIn: 1,
          tokensOut: 2,
          tokensCached: 0,
          costMicros: 3,
          l12: 2,
          f3: 1,
          "g#pii:block": 1,
          "g#a#b:flag": 2,
        });
      });

      it("never show up as usage, for one key or across keys", async () => {
        const k = `key_${Math.random().toString(36).slice(2)}`;
        await store().analytics!.add(row(k, "2026-11-29T14"));
        await store().usage.add({ keyId: k, day: "2026-11-29", model: "m", requests: 1, cacheHits: 0, tokensIn: 1, tokensOut: 1, costMicros: 1 });
        expect((await store().usage.query({ keyId: k })).map((r) => r.model)).toEqual(["m"]);
        const all = await store().usage.query({});
        expect(all.filter((r) => r.keyId.startsWith("hour#") || r.day === undefined)).toEqual([]);
        expect(all.filter((r) => r.keyId === k)).toHaveLength(1);
      });
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
