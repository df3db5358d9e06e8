import { StoreUnavailableError, type KeyStore, type VirtualKeyRecord } from "../types.js";
import type { DurableObjectNamespaceLike, KV } from "./bindings.js";
import { callObject } from "./call.js";
import { kvCall } from "./errors.js";

const BY_ID = "vk:id:";
const BY_HASH = "vk:hash:";
/** A Worker may make 1,000 KV operations per request: a page of N keys costs N + 1. */
const MAX_PAGE = 250;

/**
 * Virtual keys in KV, each written twice: under its id (admin look-ups, listing) and under its
 * hash (one read per authenticated request). Reads go straight to KV. Writes go through the
 * key's own Durable Object, which runs them one at a time (see store-object.ts).
 *
 * KV is eventually consistent: a write is seen at once where it was made and within about
 * 60 seconds elsewhere, so a rotated or deleted key can still authenticate in other locations
 * for that long, and a new key may take as long to work there.
 */
export function kvKeys(kv: KV, objects: DurableObjectNamespaceLike): KeyStore {
  const read = async (name: string): Promise<VirtualKeyRecord | null> => {
    const text = await kvCall("get", () => kv.get(name, "text"));
    return text === null ? null : (JSON.parse(text) as VirtualKeyRecord);
  };
  const object = (id: string) => `key:${id}`;
  return {
    getByHash: (hash) => read(BY_HASH + hash),
    getById: (id) => read(BY_ID + id),
    async put(record) {
      await callObject(objects, object(record.id), "key-put", { record });
    },
    async list(cursor, limit = 100) {
      const page = await kvCall("list", () => kv.list({ prefix: BY_ID, cursor: cursor ?? null, limit: Math.min(Math.max(1, limit), MAX_PAGE) }));
      const items = (await Promise.all(page.keys.map((k) => read(k.name)))).filter((r): r is VirtualKeyRecord => r !== null);
      return { items, cursor: page.list_complete ? undefined : page.cursor };
    },
    async delete(id) {
      return (await callObject<{ deleted: boolean }>(objects, object(id), "key-delete", { id })).deleted;
    },
  };
}

/** Runs inside the key's Durable Object: both entries written, then the old hash removed. */
export async function writeKey(kv: KV, record: VirtualKeyRecord, previousHash: string | null): Promise<void> {
  const text = JSON.stringify(record);
  await paced("put", () => kv.put(BY_HASH + record.hash, text));
  await paced("put", () => kv.put(BY_ID + record.id, text));
  if (previousHash !== null && previousHash !== record.hash) await paced("delete", () => kv.delete(BY_HASH + previousHash));
}

/** Runs inside the key's Durable Object: the hash entry first, so the key stops working first. */
export async function deleteKey(kv: KV, id: string, hash: string): Promise<void> {
  await paced("delete", () => kv.delete(BY_HASH + hash));
  await paced("delete", () => kv.delete(BY_ID + id));
}

/**
 * KV takes one write a second per key and answers 429 to more. Key writes are rare and already
 * queued one at a time in the key's object (a stored response is written once or twice), so a
 * throttled write waits out the second and retries.
 */
export async function paced(operation: string, write: () => Promise<void>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await kvCall(operation, write);
    } catch (e) {
      if (!(e instanceof StoreUnavailableError && e.throttled) || attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 1_100));
    }
  }
}
