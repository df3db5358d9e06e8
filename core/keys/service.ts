import { unauthorized } from "../errors.js";
import type { Page, Store, VirtualKeyRecord } from "../store/types.js";
import type { KeyCache } from "./cache.js";
import { generateKey, generateKeyId, hashKey, keyHint } from "./generate.js";

/** The settings an admin chooses; everything else on a record is the gateway's. */
export type KeySettings = Omit<VirtualKeyRecord, "id" | "hash" | "hint" | "createdAt" | "updatedAt">;
/** A change: a field set to null is removed (no expiry, no budget, all models …). */
export type KeyPatch = { [K in keyof KeySettings]?: KeySettings[K] | null };

export interface IssuedKey {
  record: VirtualKeyRecord;
  /** The key itself: returned once, never stored. */
  key: string;
}

/** Creating, finding and changing virtual keys, with the lookup cache in front of the store. */
export class KeyService {
  private known: boolean | undefined;
  private knownCheckedAt = 0;
  /** The last record each key id authenticated with, for the work after its response. */
  private readonly seen = new Map<string, VirtualKeyRecord>();

  constructor(
    readonly store: Store,
    readonly cache: KeyCache,
    private readonly now: () => number = Date.now,
    /** SHA-256 in hex; a runtime may hand in its native one (Runtime.sha256Hex). */
    private readonly hash: (key: string) => string | Promise<string> = hashKey,
  ) {}

  /** The record for a presented key, or null: unknown, deleted or rotated away. */
  lookup(key: string): VirtualKeyRecord | null | Promise<VirtualKeyRecord | null> {
    const hash = this.hash(key);
    const load = (h: string) => this.store.keys.getByHash(h);
    return typeof hash === "string" ? this.cache.get(hash, load) : hash.then((h) => this.cache.get(h, load));
  }

  /** Throws the 401 a client should see for an unusable key. */
  check(record: VirtualKeyRecord | null): VirtualKeyRecord {
    if (!record) throw unauthorized("This virtual key is not valid: it does not exist, was deleted, or was rotated.", "invalid_api_key");
    if (record.disabled) throw unauthorized(`This virtual key (${record.id}) is disabled. Ask the gateway's admin to enable it.`, "key_disabled");
    if (record.expiresAt && Date.parse(record.expiresAt) <= this.now()) {
      throw unauthorized(`This virtual key (${record.id}) expired at ${record.expiresAt}.`, "key_expired");
    }
    if (this.seen.get(record.id) !== record) {
      if (this.seen.size >= 10_000) this.seen.clear();
      this.seen.set(record.id, record);
    }
    return record;
  }

  /** The record key `id` last authenticated with in this process, if any. */
  recent(id: string): VirtualKeyRecord | undefined {
    return this.seen.get(id);
  }

  /**
   * Whether any virtual key exists, read from the store at most once per cache TTL while there
   * are none. Once true it stays true in this process: deleting every key does not reopen a gateway.
   */
  async anyExist(): Promise<boolean> {
    if (this.known) return true;
    if (this.known === false && this.now() - this.knownCheckedAt < this.cache.ttlMs) return false;
    const page = await this.store.keys.list(undefined, 1);
    this.known = page.items.length > 0;
    this.knownCheckedAt = this.now();
    return this.known;
  }

  async create(settings: KeySettings): Promise<IssuedKey> {
    const key = generateKey();
    const at = new Date(this.now()).toISOString();
    const record: VirtualKeyRecord = { id: generateKeyId(), hash: await this.hash(key), hint: keyHint(key), createdAt: at, updatedAt: at, ...clean(settings) };
    await this.store.keys.put(record);
    this.known = true;
    return { record, key };
  }

  get(id: string): Promise<VirtualKeyRecord | null> {
    return this.store.keys.getById(id);
  }

  list(cursor?: string, limit?: number): Promise<Page<VirtualKeyRecord>> {
    return this.store.keys.list(cursor, limit);
  }

  async update(id: string, patch: KeyPatch): Promise<VirtualKeyRecord | null> {
    const old = await this.store.keys.getById(id);
    if (!old) return null;
    const record = { ...old } as Record<string, unknown>;
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete record[field];
      else if (value !== undefined) record[field] = value;
    }
    record.updatedAt = new Date(this.now()).toISOString();
    await this.store.keys.put(record as unknown as VirtualKeyRecord);
    this.cache.evict(old.hash);
    this.seen.delete(id);
    return record as unknown as VirtualKeyRecord;
  }

  /** A new key for the same record; the old key stops working at once on this host. */
  async rotate(id: string): Promise<IssuedKey | null> {
    const old = await this.store.keys.getById(id);
    if (!old) return null;
    const key = generateKey();
    const record: VirtualKeyRecord = { ...old, hash: await this.hash(key), hint: keyHint(key), updatedAt: new Date(this.now()).toISOString() };
    await this.store.keys.put(record);
    this.cache.evict(old.hash);
    this.seen.delete(id);
    return { record, key };
  }

  async delete(id: string): Promise<boolean> {
    const old = await this.store.keys.getById(id);
    if (!old) return false;
    const deleted = await this.store.keys.delete(id);
    this.cache.evict(old.hash);
    this.seen.delete(id);
    return deleted;
  }
}

function clean<T extends object>(o: T): T {
  const out = {} as T;
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) (out as Record<string, unknown>)[k] = v;
  return out;
}
