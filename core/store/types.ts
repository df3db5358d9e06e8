/**
 * Where the gateway keeps state: virtual keys, response cache, rate-limit and usage counters, and
 * the Responses API's stored responses.
 * One interface, several adapters (memory, DynamoDB, Cloudflare KV + Durable Object), all held to
 * the same contract test suite. Every read checks expiry itself: backends delete expired items late.
 */

import type { GuardHit } from "../types.js";

export { cachePrefixOfKey, cacheTenantOfKey } from "./cache-prefix.js";

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
  /** How long this key's cached answers live when a request names no TTL (60..2592000). */
  cacheTtlSeconds?: number;
  /** /v1/responses and /v1/messages refuse (400) a built-in or server tool the target can't run, rather than leave it out. */
  strictTools?: boolean;
  /** "auto": add prompt-cache breakpoints to /v1/messages requests that set none (Anthropic, Claude on Bedrock). */
  promptCaching?: "auto";
  /** Log this key's request and answer bodies (over the gateway's setting; a request's cf-aig-collect-log-payload wins). */
  logBodies?: boolean;
  /** Stored with each of this key's log entries, under the request's cf-aig-metadata. */
  metadata?: Record<string, string>;
  /** Guardrail policies (names in the gateway's config) this key's requests run, besides the gateway's own. */
  guardrails?: string[];
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
  /**
   * Creates or replaces the record with this id. When the hash changes (rotation), the old hash
   * stops resolving in the same call: no moment exists where both old and new keys are valid.
   */
  put(record: VirtualKeyRecord): Promise<void>;
  /** Pages in a stable order; pass the returned cursor back for the next page (absent = last page). */
  list(cursor?: string, limit?: number): Promise<Page<VirtualKeyRecord>>;
  /** Removes the record and its hash lookup. False when there was no such id. */
  delete(id: string): Promise<boolean>;
}

export interface CacheStore {
  /** The largest value, in UTF-8 bytes, this backend keeps. put() skips a larger one silently: check first. */
  readonly maxValueBytes: number;
  get(key: string): Promise<string | null>;
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
  /**
   * Deletes every entry whose key starts with `prefix` (every entry when absent or empty) and
   * returns how many it deleted, counting expired entries the backend still held. Not a snapshot:
   * an entry written while it runs may survive. Keys of one virtual key: cachePrefixOfKey(id).
   */
  purge(prefix?: string): Promise<number>;
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
   * A counter stays readable until `windowStart + 2 * windowMs` (a sliding window reads the previous one).
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
  /** Of `requests`, those answered from the response cache (no provider call, no tokens or cost). */
  cacheHits: number;
  tokensIn: number;
  tokensOut: number;
  costMicros: number;
}

export interface UsageStore {
  add(row: UsageRow): Promise<void>;
  /** Rows per key, day and model; `from`/`to` are inclusive days. Sorted by day, key, model. */
  query(filter: { keyId?: string; from?: string; to?: string }): Promise<UsageRow[]>;
}

/** One stored Responses API turn. The store treats `response` and `items` as opaque text. */
export interface StoredResponse {
  id: string;
  /** Whose response it is (the cache's tenants: `key:<id>`, `token:<id>`, `own:<hash>`, `open`); no "/". */
  tenant: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** The response object as returned to the client, JSON. */
  response: string;
  /** The input items of this turn plus, for chaining, everything before (a JSON array). */
  items: string;
}

/** How long a stored response lives when the configuration names no other TTL: 30 days, as OpenAI keeps them. */
export const DEFAULT_RESPONSE_TTL_SECONDS = 30 * 86_400;

/**
 * Responses API state for `previous_response_id`, `GET` and `DELETE /v1/responses/{id}`. Every
 * record is keyed by tenant and id together: an id alone never reaches another tenant's record.
 */
export interface ResponseStore {
  /**
   * The largest record, in UTF-8 bytes of `response` plus `items`, that put() accepts (16 MiB on
   * every adapter). put() throws a ResponseTooLargeError above it.
   */
  readonly maxRecordBytes: number;
  /** Creates or replaces the record of (tenant, id), readable for `ttlSeconds` (> 0). */
  put(record: StoredResponse, ttlSeconds: number): Promise<void>;
  /** Null when absent, expired, or stored under another tenant. */
  get(tenant: string, id: string): Promise<StoredResponse | null>;
  /** False when there was no such record for this tenant (or it had expired). */
  delete(tenant: string, id: string): Promise<boolean>;
}

/** A record over ResponseStore.maxRecordBytes: nothing was stored. */
export class ResponseTooLargeError extends Error {
  override readonly name = "ResponseTooLargeError";
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`the response and its input items take ${bytes} bytes, over the store's limit of ${maxBytes} bytes (${Math.floor(maxBytes / 1048576)} MiB)`);
  }
}

/**
 * The backend could not answer (throttled, down, unreachable, misconfigured). Callers that guard
 * something (auth, limits, budgets) must fail closed on it: 503, never "allowed".
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(
    message: string,
    /** The backend's error name, e.g. "ProvisionedThroughputExceededException". Safe to log. */
    readonly code: string,
    /** True when the backend said "slow down" rather than "broken". */
    readonly throttled: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A metadata value: flat, as cf-aig-metadata allows. */
export type MetadataValue = string | number | boolean;

/** Tokens of one call by how they are billed. `in` counts every prompt token, cached or not. */
export interface LogTokens {
  in: number;
  out: number;
  /** Of `in`: read from the provider's prompt cache. */
  cachedRead: number;
  /** Of `in`: written to the provider's prompt cache (5-minute and 1-hour writes together). */
  cachedWrite: number;
  /** Of `out`: reasoning (thinking) tokens. */
  reasoning: number;
}

/**
 * One request as the request log keeps it: written once after the answer, later changed only by
 * a feedback patch. Bodies are present only when logging bodies was on; both are scrubbed and capped.
 */
export interface LogEntry {
  /** Time-sortable (a ULID: 26 characters, Crockford base32): the response's cf-aig-log-id and x-request-id. */
  id: string;
  /** When the request arrived, ms since the epoch. */
  at: number;
  /** When the entry stops being readable, ms since the epoch. */
  expiresAt: number;
  /** The virtual key's id and name; absent for a gateway token or an open gateway. */
  keyId?: string;
  keyName?: string;
  /** Who called: a key id, "token:<n>", "own", or "open". */
  principal: string;
  /** The API: "chat", "completions", "embeddings", "messages", "count_tokens", "responses", "passthrough", "universal". */
  route: string;
  /** The provider route that answered (or was last tried). */
  provider?: string;
  /** The model the client asked for (an alias, "provider/model", or a bare name). */
  model?: string;
  /** The model that answered: the target's model (the upstream's own name when it said one). */
  servedModel?: string;
  /** Which fallback target answered (0 = the first). */
  step?: number;
  status: number;
  /** The gateway's error code ("rate_limited", "upstream_error" …) when the call failed. */
  errorCode?: string;
  /** The error message, scrubbed. */
  error?: string;
  cache?: "HIT" | "MISS" | "BYPASS";
  stream: boolean;
  tokens: LogTokens;
  /** Cost in micro-dollars (1e-6 USD); 0 when unpriced. */
  costMicros: number;
  /** False when no price was known for the model (then costMicros is 0, never a guess). */
  priced: boolean;
  /** Milliseconds to the first byte of the answer (headers of a stream); absent when no answer came. */
  ttfbMs?: number;
  durationMs: number;
  /** Upstream attempts after the first (retries and fallbacks). */
  retries: number;
  /** cf-aig-metadata merged over the key's metadata: at most 5 + the key's entries, flat. */
  metadata?: Record<string, MetadataValue>;
  /** Feedback by the caller or an admin: -1, 0 or 1. */
  feedback?: -1 | 0 | 1;
  /** 0–100. */
  score?: number;
  /** The request body, scrubbed, cut to the configured size. */
  requestBody?: string;
  /** The answer (for a stream: the assembled text and tool calls as JSON), scrubbed, cut. */
  responseBody?: string;
  /** True when a body was cut to the cap. */
  truncated?: boolean;
  /** The guardrail rules that matched: names, actions, counts and labels, never the matched text. */
  guardrails?: GuardHit[];
}

/** What `GET /admin/logs` filters by; all given ones must hold. */
export interface LogFilter {
  keyId?: string;
  /** Matches the asked model or the served one. */
  model?: string;
  provider?: string;
  /** The status class: 2 (2xx), 3, 4 or 5. */
  statusClass?: 2 | 3 | 4 | 5;
  cache?: "HIT" | "MISS" | "BYPASS";
  /** One metadata entry; a number or boolean matches its string form too. */
  metadata?: { name: string; value: string };
  /** A guardrail hit whose policy is this, or whose action is ("block", "redact", "flag"). */
  guardrail?: string;
  /** Inclusive bounds on `at`, ms since the epoch. */
  from?: number;
  to?: number;
}

export interface LogPatch {
  feedback?: -1 | 0 | 1;
  score?: number;
  /** Merged over the entry's metadata. */
  metadata?: Record<string, MetadataValue>;
}

/**
 * The request log. Entries expire at their own `expiresAt` (checked on every read; backends
 * delete late). Listing is newest first (by `at`, then `id`), paged by an opaque cursor.
 */
export interface LogStore {
  /** Stores entries (new ids; a batch may hold several). */
  put(entries: LogEntry[]): Promise<void>;
  /** Null when absent or expired. */
  get(id: string): Promise<LogEntry | null>;
  /** Newest first; `limit` 1..1000 (default 50). Pass the cursor back for the next page (absent = last page). */
  list(filter: LogFilter, cursor?: string, limit?: number): Promise<Page<LogEntry>>;
  /** Applies the patch and returns the entry after it; null when absent or expired. */
  patch(id: string, patch: LogPatch): Promise<LogEntry | null>;
  /** False when there was no such (unexpired) entry. */
  delete(id: string): Promise<boolean>;
}

/**
 * Counters of one hour, virtual key and model, added as calls finish: what analytics reads
 * (never the log). Latency histograms are sparse: bucket index (core/analytics/histogram.ts) →
 * count. Every field but the identifying ones adds up.
 */
export interface AnalyticsRow {
  /** The hour's start, ISO: "2026-11-29T14". UTC. */
  hour: string;
  /** The virtual key id, or the principal ("open", "token:0", "own"). */
  keyId: string;
  provider: string;
  model: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  cacheHits: number;
  tokensIn: number;
  tokensOut: number;
  tokensCached: number;
  costMicros: number;
  /** Total latency: bucket → count. */
  latency: Record<string, number>;
  /** Time to first byte: bucket → count. */
  ttfb: Record<string, number>;
  /** Calls where a guardrail acted, sparse: "<policy>:<action>" (block, redact, flag) → count. */
  guardrails?: Record<string, number>;
}

export interface AnalyticsStore {
  /** Adds the row's numbers (and histogram counts) to the stored row of its hour, key, provider and model. */
  add(row: AnalyticsRow): Promise<void>;
  /** Rows with `from` <= hour <= `to` (inclusive, "YYYY-MM-DDTHH"), of one key when given. Any order. */
  query(filter: { from: string; to: string; keyId?: string }): Promise<AnalyticsRow[]>;
}

export interface Store {
  /** Which backend, for the health page: "memory", "dynamodb", "cloudflare", "embedded". */
  kind?: string;
  keys: KeyStore;
  cache: CacheStore;
  limits: LimitStore;
  usage: UsageStore;
  responses: ResponseStore;
  /** The request log. Optional while adapters are built; the gateway logs nowhere without it. */
  logs?: LogStore;
  /** Hourly analytics counters. */
  analytics?: AnalyticsStore;
}
