import type { VirtualKeyRecord } from "../store/types.js";

interface Entry {
  record: VirtualKeyRecord | null;
  expiresAt: number;
}

/**
 * Key hash → record (or "no such key"), kept for `ttlMs`, so a busy key costs one store read per
 * TTL instead of one per request. Concurrent misses for one hash share one store read. The host
 * that rotates, updates or deletes a key evicts it at once; other hosts see the change within the TTL.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<VirtualKeyRecord | null>>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The record at once when cached (no promise made on the hot path), else the store's read, shared by concurrent misses. */
  get(hash: string, load: (hash: string) => Promise<VirtualKeyRecord | null>): VirtualKeyRecord | null | Promise<VirtualKeyRecord | null> {
    const e = this.entries.get(hash);
    if (e && e.expiresAt > this.now()) return e.record;
    if (this.ttlMs <= 0) return load(hash);
    let pending = this.inflight.get(hash);
    if (!pending) {
      const started = this.generation;
      pending = load(hash).then(
        (record) => {
          this.inflight.delete(hash);
          // An eviction while the read was in flight wins: the read may predate the change.
          if (started === this.generation) this.set(hash, record);
          return record;
        },
        (err) => {
          this.inflight.delete(hash);
          throw err;
        },
      );
      this.inflight.set(hash, pending);
    }
    return pending;
  }

  private generation = 0;

  evict(hash: string) {
    this.entries.delete(hash);
    this.inflight.delete(hash);
    this.generation++;
  }

  clear() {
    this.entries.clear();
    this.inflight.clear();
    this.generation++;
  }

  get size() {
    return this.entries.size;
  }

  private set(hash: string, record: VirtualKeyRecord | null) {
    this.entries.delete(hash);
    this.entries.set(hash, { record, expiresAt: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      const now = this.now();
      for (const [k, v] of this.entries) if (v.expiresAt <= now) this.entries.delete(k);
      // Still full (a flood of unknown keys): drop the oldest entries.
      for (const k of this.entries.keys()) {
        if (this.entries.size <= this.maxEntries) break;
        this.entries.delete(k);
      }
    }
  }
}
