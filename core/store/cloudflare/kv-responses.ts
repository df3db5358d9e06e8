import { sha256Hex } from "../../crypto.js";
import { checkResponsePut, MAX_RESPONSE_RECORD_BYTES, responseKey } from "../rules.js";
import type { ResponseStore, StoredResponse } from "../types.js";
import type { KV } from "./bindings.js";
import { kvCall } from "./errors.js";
import { KV_MIN_TTL_SECONDS } from "./kv-cache.js";
import { paced } from "./kv-keys.js";

/** KV keys may be 512 bytes; a longer `<tenant>/<id>` is stored under its hash. */
const MAX_KEY_BYTES = 480;
const NAMED = "resp:";
const HASHED = "resp#";

type Header = Pick<StoredResponse, "id" | "tenant" | "createdAt"> & { rl: number };

async function kvKey(tenant: string, id: string): Promise<string> {
  const key = responseKey(tenant, id);
  const name = NAMED + key;
  return new TextEncoder().encode(name).length <= MAX_KEY_BYTES ? name : HASHED + (await sha256Hex(key));
}

/**
 * Stored responses in KV, one value each under `resp:<tenant>/<id>`: a JSON header line (id,
 * tenant, createdAt, the response's length), then the response and the items. The exact expiry
 * is in the metadata (KV's own is rounded up to its 60-second minimum) and every read checks it,
 * and the header's tenant and id too. 16 MiB fits well under KV's 25 MiB values.
 *
 * KV is eventually consistent: a response is readable at once where it was written, and within
 * about 60 seconds in other locations; a delete likewise.
 */
export function kvResponses(kv: KV, now: () => number = Date.now): ResponseStore {
  const read = async (name: string, tenant: string, id: string): Promise<StoredResponse | null> => {
    const { value, metadata } = await kvCall("get", () => kv.getWithMetadata<{ expiresAt?: number }>(name, "text"));
    if (value === null || typeof metadata?.expiresAt !== "number" || metadata.expiresAt <= now()) return null;
    const nl = value.indexOf("\n");
    if (nl < 0) return null;
    const header = JSON.parse(value.slice(0, nl)) as Header;
    if (header.tenant !== tenant || header.id !== id) return null;
    const rest = value.slice(nl + 1);
    return { id, tenant, createdAt: header.createdAt, response: rest.slice(0, header.rl), items: rest.slice(header.rl) };
  };
  return {
    maxRecordBytes: MAX_RESPONSE_RECORD_BYTES,
    async put(record, ttlSeconds) {
      checkResponsePut(record, ttlSeconds, MAX_RESPONSE_RECORD_BYTES);
      const name = await kvKey(record.tenant, record.id);
      const header: Header = { id: record.id, tenant: record.tenant, createdAt: record.createdAt, rl: record.response.length };
      const value = `${JSON.stringify(header)}\n${record.response}${record.items}`;
      const expiresAt = now() + ttlSeconds * 1000;
      await paced("put", () => kv.put(name, value, { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttlSeconds)), metadata: { expiresAt } }));
    },
    async get(tenant, id) {
      return read(await kvKey(tenant, id), tenant, id);
    },
    async delete(tenant, id) {
      const name = await kvKey(tenant, id);
      const found = await read(name, tenant, id);
      // An expired value still held by KV goes too; it just doesn't count as deleted.
      await kvCall("delete", () => kv.delete(name));
      return found !== null;
    },
  };
}
