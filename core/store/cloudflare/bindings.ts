/**
 * The parts of Cloudflare's binding types this adapter uses, written out structurally so that
 * core/ needs neither @cloudflare/workers-types nor the `cloudflare:workers` module to type-check.
 * The real KVNamespace, DurableObjectNamespace and DurableObjectState satisfy them.
 */

export interface KVListResult {
  keys: Array<{ name: string; expiration?: number; metadata?: unknown }>;
  list_complete: boolean;
  cursor?: string;
}

export interface KV {
  get(key: string, type: "text"): Promise<string | null>;
  getWithMetadata<M>(key: string, type: "text"): Promise<{ value: string | null; metadata: M | null }>;
  put(key: string, value: string, options?: { expirationTtl?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: { prefix?: string; cursor?: string | null; limit?: number }): Promise<KVListResult>;
}

export interface DurableObjectStub {
  fetch(input: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
}

export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: any): DurableObjectStub;
}

export interface SqlCursor<T> {
  toArray(): T[];
  one(): T;
  /** Rows are read as the iteration asks for them. */
  [Symbol.iterator](): Iterator<T>;
}

export interface DurableObjectStateLike {
  storage: {
    sql: { exec<T = Record<string, string | number | null>>(query: string, ...bindings: unknown[]): SqlCursor<T> };
    getAlarm(): Promise<number | null>;
    setAlarm(scheduledTime: number): Promise<void>;
    deleteAlarm(): Promise<void>;
  };
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}
