/**
 * The whole Store in one process's memory: tests, `STRAIT_STORE=memory`, ephemeral runs.
 * Nothing survives a restart. Reads check expiry themselves, like every adapter.
 */
import { MemoryAnalytics } from "./memory-analytics.js";
import { DEFAULT_MAX_LOG_ENTRIES, MemoryLogs } from "./memory-logs.js";
import { MemoryResponses } from "./memory-responses.js";
import { compareUsage, counterExpiry, exceedsUtf8Bytes } from "./rules.js";
import type { CacheStore, CounterResult, KeyStore, LimitStore, Page, Store, UsageRow, UsageStore, VirtualKeyRecord } from "./types.js";

export interface MemoryStoreOptions {
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
  /** Cache entries kept at most; the oldest written goes first. */
  maxCacheEntries?: number;
  /** The largest cached value in UTF-8 bytes (default 25 MiB, as on Workers KV). */
  maxCacheValueBytes?: number;
  /** UTF-16 code units of stored responses kept at most (default 128 Mi, about 256 MiB); the oldest written goes first. */
  maxResponseUnits?: number;
  /** Request log entries kept at most (default 10,000); the oldest written goes first. */
  maxLogEntries?: number;
}

const MAX_CACHE_VALUE_BYTES = 25 * 1024 * 1024;

const clone = <T>(v: T): T => structuredClone(v);

class MemoryKeys implements KeyStore {
  private readonly byId = new Map<string, VirtualKeyRecord>();
  private readonly idByHash = new Map<string, string>();

  async getByHash(hash: string) {
    const id = this.idByHash.get(hash);
    const rec = id === undefined ? undefined : this.byId.get(id);
    return rec ? clone(rec) : null;
  }

  async getById(id: string) {
    const rec = this.byId.get(id);
    return rec ? clone(rec) : null;
  }

  async put(record: VirtualKeyRecord) {
    const old = this.byId.get(record.id);
    if (old && old.hash !== record.hash) this.idByHash.delete(old.hash);
    this.byId.set(record.id, clone(record));
    this.idByHash.set(record.hash, record.id);
  }

  async list(cursor?: string, limit = 100): Promise<Page<VirtualKeyRecord>> {
    const ids = [...this.byId.keys()].sort();
    const start = cursor === undefined ? 0 : ids.findIndex((id) => id > cursor);
    const page = start < 0 ? [] : ids.slice(start, start + Math.max(1, limit));
    const items = page.map((id) => clone(this.byId.get(id)!));
    const more = start >= 0 && start + page.length < ids.length;
    return more ? { items, cursor: page[page.length - 1] } : { items };
  }

  async delete(id: string) {
    const old = this.byId.get(id);
    if (!old) return false;
    this.byId.delete(id);
    if (this.idByHash.get(old.hash) === id) this.idByHash.delete(old.hash);
    return true;
  }
}

class MemoryCache implements CacheStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(
    private readonly now: () => number,
    private readonly max: number,
    readonly maxValueBytes: number,
  ) {}

  async get(key: string) {
    const e = this.entries.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return e.value;
  }

  async put(key: string, value: string, ttlSeconds: number) {
    if (!(ttlSeconds > 0) || exceedsUtf8Bytes(value, this.maxValueBytes)) return;
    this.entries.delete(key); // re-inserting moves it to the end of the eviction order
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    if (this.entries.size > this.max) this.evict();
  }

  async purge(prefix = "") {
    let deleted = 0;
    for (const k of this.entries.keys()) {
      if (k.startsWith(prefix) && this.entries.delete(k)) deleted++;
    }
    return deleted;
  }

  private evict() {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(k);
    }
  }
}

class MemoryLimits implements LimitStore {
  private readonly counters = new Map<string, { count: number; expiresAt: number }>();
  private writes = 0;
  constructor(private readonly now: () => number) {}

  private read(id: string): number {
    const c = this.counters.get(id);
    return c && c.expiresAt > this.now() ? c.count : 0;
  }

  private write(id: string, count: number, windowStart: number, windowMs: number) {
    this.counters.set(id, { count, expiresAt: counterExpiry(windowStart, windowMs) });
    if (++this.writes % 1000 === 0) {
      const now = this.now();
      for (const [k, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(k);
    }
  }

  // No await between the read and the write: the check-and-add is atomic on one JS thread.
  async hit(key: string, windowStart: number, windowMs: number, cost: number, limit: number): Promise<CounterResult> {
    const id = `${key}\u0000${windowStart}`;
    const count = this.read(id);
    if (count + cost > limit) return { allowed: false, count };
    this.write(id, count + cost, windowStart, windowMs);
    return { allowed: true, count: count + cost };
  }

  async add(key: string, windowStart: number, windowMs: number, amount: number) {
    const id = `${key}\u0000${windowStart}`;
    const count = this.read(id) + amount;
    this.write(id, count, windowStart, windowMs);
    return count;
  }

  async get(key: string, windowStart: number) {
    return this.read(`${key}\u0000${windowStart}`);
  }
}

class MemoryUsage implements UsageStore {
  private readonly rows = new Map<string, UsageRow>();

  async add(row: UsageRow) {
    const id = `${row.keyId}\u0000${row.day}\u0000${row.model}`;
    const r = this.rows.get(id) ?? { keyId: row.keyId, day: row.day, model: row.model, requests: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, costMicros: 0 };
    r.requests += row.requests;
    // A row from a caller that predates the counter has none: 0.
    r.cacheHits += row.cacheHits ?? 0;
    r.tokensIn += row.tokensIn;
    r.tokensOut += row.tokensOut;
    r.costMicros += row.costMicros;
    this.rows.set(id, r);
  }

  async query(filter: { keyId?: string; from?: string; to?: string }) {
    const out: UsageRow[] = [];
    for (const r of this.rows.values()) {
      if (filter.keyId !== undefined && r.keyId !== filter.keyId) continue;
      if (filter.from !== undefined && r.day < filter.from) continue;
      if (filter.to !== undefined && r.day > filter.to) continue;
      out.push({ ...r });
    }
    return out.sort(compareUsage);
  }
}

export function memoryStore(opts: MemoryStoreOptions = {}): Store {
  const now = opts.now ?? Date.now;
  return {
    kind: "memory",
    keys: new MemoryKeys(),
    cache: new MemoryCache(now, opts.maxCacheEntries ?? 10_000, opts.maxCacheValueBytes ?? MAX_CACHE_VALUE_BYTES),
    limits: new MemoryLimits(now),
    usage: new MemoryUsage(),
    responses: new MemoryResponses(now, opts.maxResponseUnits ?? 128 * 1024 * 1024),
    logs: new MemoryLogs(now, opts.maxLogEntries ?? DEFAULT_MAX_LOG_ENTRIES),
    analytics: new MemoryAnalytics(),
  };
}
