/**
 * Where the gateway keeps state: virtual keys, response cache, rate-limit and usage counters.
 * One interface, several adapters (memory, DynamoDB, Cloudflare KV + Durable Object), all held to
 * the same contract test suite. Every read checks expiry itself: backends delete expired items late.
 */

export interface VirtualKeyRecord {
  id: string;
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  /** The first characters of the key, safe to show ("sk-strait-ab12…"). */
  hint: string;
  name: string;
  owner?: string;
  createdAt: string;
  updatedAt: string;
  expiresAt?: string;
  disabled?: boolean;
  /** Globs over "provider/model" ("openai/*", "anthropic/claude-*"); absent = all. */
  models?: string[];
  rpm?: number;
  tpm?: number;
  maxParallel?: number;
  budget?: { usd: number; period: "day" | "month" | "total" };
  metadata?: Record<string, string>;
  /** Provider keys bound to this virtual key, by provider name. */
  credentials?: Record<string, string>;
}

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface KeyStore {
  getByHash(hash: string): Promise<VirtualKeyRecord | null>;
  getById(id: string): Promise<VirtualKeyRecord | null>;
  /** Creates or replaces. */
  put(record: VirtualKeyRecord): Promise<void>;
  list(cursor?: string, limit?: number): Promise<Page<VirtualKeyRecord>>;
  delete(id: string): Promise<boolean>;
}

export interface CacheStore {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
}

export interface CounterResult {
  allowed: boolean;
  /** The counter after this call (unchanged when not allowed). */
  count: number;
}

export interface LimitStore {
  /**
   * Atomically adds `cost` to the counter of the window starting at `windowStart`, only if the
   * result stays within `limit`. Two callers can never both pass the last free unit.
   */
  hit(key: string, windowStart: number, windowMs: number, cost: number, limit: number): Promise<CounterResult>;
  /** Adds without a limit (tokens, counted after the response). Returns the new count. */
  add(key: string, windowStart: number, windowMs: number, amount: number): Promise<number>;
  get(key: string, windowStart: number): Promise<number>;
}

export interface UsageRow {
  keyId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  model: string;
  requests: number;
  tokensIn: number;
  tokensOut: number;
  costMicros: number;
}

export interface UsageStore {
  add(row: UsageRow): Promise<void>;
  query(filter: { keyId?: string; from?: string; to?: string }): Promise<UsageRow[]>;
}

export interface Store {
  keys: KeyStore;
  cache: CacheStore;
  limits: LimitStore;
  usage: UsageStore;
}
