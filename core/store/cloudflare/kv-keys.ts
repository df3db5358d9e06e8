import type { KeyStore, VirtualKeyRecord } from "../types.js";
import type { KV } from "./bindings.js";
import { kvCall } from "./errors.js";

const BY_ID = "vk:id:";
const BY_HASH = "vk:hash:";
const MAX_PAGE = 1000;

/**
 * Virtual keys in KV, each written twice: under its id (admin look-ups, listing) and under its
 * hash (one read per authenticated request). KV has no transactions and is eventually
 * consistent: a write is seen at once where it was made and within about 60 seconds elsewhere,
 * so a rotated or deleted key can still authenticate in other locations for that long.
 */
export function kvKeys(kv: KV): KeyStore {
  const read = async (name: string): Promise<VirtualKeyRecord | null> => {
    const text = await kvCall("get", () => kv.get(name, "text"));
    return text === null ? null : (JSON.parse(text) as VirtualKeyRecord);
  };
  return {
    getByHash: (hash) => read(BY_HASH + hash),
    getById: (id) => read(BY_ID + id),
    async put(record) {
      const before = await read(BY_ID + record.id);
      const text = JSON.stringify(record);
      // The hash entry first: a reader that finds the id entry can then always authenticate.
      await kvCall("put", () => kv.put(BY_HASH + record.hash, text));
      await kvCall("put", () => kv.put(BY_ID + record.id, text));
      if (before && before.hash !== record.hash) await kvCall("delete", () => kv.delete(BY_HASH + before.hash));
    },
    async list(cursor, limit = 100) {
      const page = await kvCall("list", () => kv.list({ prefix: BY_ID, cursor: cursor ?? null, limit: Math.min(Math.max(1, limit), MAX_PAGE) }));
      const items = (await Promise.all(page.keys.map((k) => read(k.name)))).filter((r): r is VirtualKeyRecord => r !== null);
      return { items, cursor: page.list_complete ? undefined : page.cursor };
    },
    async delete(id) {
      const before = await read(BY_ID + id);
      if (!before) return false;
      // The hash entry first: once it is gone the key no longer authenticates.
      await kvCall("delete", () => kv.delete(BY_HASH + before.hash));
      await kvCall("delete", () => kv.delete(BY_ID + id));
      return true;
    },
  };
}
