import type { Logger } from "../runtime.js";
import type { CacheStore } from "../store/types.js";
import { type CachedAnswer, decodeEntry, encodeEntry } from "./entry.js";

interface Held {
  answer: CachedAnswer;
  expiresAt: number;
}

/**
 * The response cache over the store's cache part. A process that is the only user of its store
 * (the local server on its embedded store) also keeps answers in memory, decoded: a hit there
 * costs no store read and no gunzip — a read of the embedded store costs more than the provider
 * call it saves. Elsewhere (Lambda instances, Worker isolates, many sharing one store) every read
 * goes to the store, so a purge on one instance holds for all.
 */
export class ResponseCache {
  private readonly memory = new Map<string, Held>();
  private memoryBytes = 0;

  constructor(
    private readonly store: CacheStore,
    private readonly log: Logger,
    /** Bytes of answers kept in memory; 0 = none. */
    private readonly memoryLimit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * How much of an answer is copied on its way to the client: answers compress several times
   * over, and past this one would not fit in the store (nor be worth its memory).
   */
  get maxRecordedBytes(): number {
    return Math.min(Math.max(this.store.maxValueBytes * 16, 1 << 20), 32 << 20);
  }

  /** The stored answer; undefined for none, an expired one, or one this version can't read. A failed read is a miss. */
  async get(key: string, requestId: string): Promise<CachedAnswer | undefined> {
    const held = this.memory.get(key);
    if (held) {
      if (held.expiresAt > this.now()) return held.answer;
      this.forget(key, held);
    }
    let value: string | null;
    try {
      value = await this.store.get(key);
    } catch (e) {
      this.log.warn("cache read failed: answering from the provider", { requestId, error: String((e as Error)?.message ?? e) });
      return undefined;
    }
    return value === null ? undefined : decodeEntry(value).catch(() => undefined);
  }

  /** Stores a complete answer; too large for the store (even gzipped) is a log line, never an error. */
  async put(key: string, answer: CachedAnswer, ttlSeconds: number, requestId: string): Promise<void> {
    if (this.memoryLimit > 0 && answer.body.length <= this.memoryLimit / 16) this.hold(key, answer, ttlSeconds);
    const value = await encodeEntry(answer);
    // The encoded value is ASCII (base64) once it is compressed; only a small plain one may hold multi-byte characters.
    if (value.length > this.store.maxValueBytes) {
      this.log.info("answer not cached: too large for the cache store, even compressed", { requestId, bytes: value.length, max: this.store.maxValueBytes });
      return;
    }
    await this.store.put(key, value, ttlSeconds);
  }

  /** Deletes the entries whose key starts with `prefix` (all without one), here and in the store. */
  async purge(prefix?: string): Promise<number> {
    for (const [key, held] of this.memory) if (!prefix || key.startsWith(prefix)) this.forget(key, held);
    return this.store.purge(prefix);
  }

  private hold(key: string, answer: CachedAnswer, ttlSeconds: number) {
    const old = this.memory.get(key);
    if (old) this.forget(key, old);
    this.memory.set(key, { answer, expiresAt: this.now() + ttlSeconds * 1000 });
    this.memoryBytes += answer.body.length;
    // Oldest written first: a Map iterates in insertion order.
    for (const [k, held] of this.memory) {
      if (this.memoryBytes <= this.memoryLimit) break;
      this.forget(k, held);
    }
  }

  private forget(key: string, held: Held) {
    this.memory.delete(key);
    this.memoryBytes -= held.answer.body.length;
  }
}
