/** Stored responses in one process's memory (the memory store's part, in a file of its own). */
import { checkResponsePut, MAX_RESPONSE_RECORD_BYTES, responseKey } from "./rules.js";
import type { ResponseStore, StoredResponse } from "./types.js";

export class MemoryResponses implements ResponseStore {
  readonly maxRecordBytes = MAX_RESPONSE_RECORD_BYTES;
  private readonly records = new Map<string, { record: StoredResponse; expiresAt: number; units: number }>();
  private units = 0;

  constructor(
    private readonly now: () => number,
    /** Memory is not a store of record: past this many code units, the oldest written are dropped. */
    private readonly maxUnits: number,
  ) {}

  async put(record: StoredResponse, ttlSeconds: number) {
    checkResponsePut(record, ttlSeconds, this.maxRecordBytes);
    const key = responseKey(record.tenant, record.id);
    this.remove(key); // re-inserting moves it to the end of the eviction order
    const units = record.response.length + record.items.length;
    this.records.set(key, { record: { ...record }, expiresAt: this.now() + ttlSeconds * 1000, units });
    this.units += units;
    if (this.units > this.maxUnits) this.evict();
  }

  async get(tenant: string, id: string) {
    const key = responseKey(tenant, id);
    const e = this.records.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.now()) {
      this.remove(key);
      return null;
    }
    return { ...e.record };
  }

  async delete(tenant: string, id: string) {
    const key = responseKey(tenant, id);
    const e = this.records.get(key);
    this.remove(key);
    return e !== undefined && e.expiresAt > this.now();
  }

  private remove(key: string) {
    const e = this.records.get(key);
    if (!e) return;
    this.records.delete(key);
    this.units -= e.units;
  }

  private evict() {
    const now = this.now();
    for (const [k, e] of this.records) if (e.expiresAt <= now) this.remove(k);
    for (const k of this.records.keys()) {
      if (this.units <= this.maxUnits) break;
      this.remove(k);
    }
  }
}
