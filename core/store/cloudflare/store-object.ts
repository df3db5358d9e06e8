import { compareUsage, counterExpiry } from "../rules.js";
import { StoreUnavailableError, type AnalyticsRow, type UsageRow, type VirtualKeyRecord } from "../types.js";
import { ANALYTICS_SCHEMA, AnalyticsTable, migrateAnalytics } from "./analytics-table.js";
import type { DurableObjectStateLike, KV } from "./bindings.js";
import { num } from "./input.js";
import { writeKey, deleteKey } from "./kv-keys.js";
import { LOG_SCHEMA, LogTable, migrateLogs } from "./log-table.js";

/** The Worker's bindings the object uses: the KV namespace virtual keys are written to. */
export interface StoreObjectEnv {
  STRAIT_KV?: KV;
}

/** The furthest ahead a cleanup alarm is set: what expires later is swept by an alarm that one sets. */
const MAX_ALARM_AHEAD_MS = 365 * 86_400_000;

/**
 * The Durable Object for what must be exact: rate-limit windows, usage totals, and the writes of
 * virtual keys; and for what is written as calls finish: the request log and hourly analytics.
 * Each instance runs one request at a time and its SQLite calls are synchronous, so a
 * read-check-write inside one call is atomic — two callers can never both take the last unit.
 *
 * Sharding (done by the clients, counters.ts and kv-keys.ts): one object per rate-limit counter
 * key, usage spread over a fixed number of objects by key id, and one object per virtual key id
 * that serializes its KV writes (KV has no transactions: without this, two rotations at once
 * could leave two valid hashes); the log spread over a fixed number of objects by entry id
 * (logs.ts), analytics by key id like usage (analytics.ts). Expired windows and log entries are
 * deleted by an alarm set at the earliest expiry (for log entries, the hour after it: entries
 * expire one by one, an alarm each would be wasteful); reads check expiry too, so a late alarm
 * changes nothing.
 *
 * Spoken to over fetch with JSON (POST https://store-object/<op>), which needs no import from
 * `cloudflare:workers` and so keeps this file plain Web APIs. The caller sends its clock (`now`)
 * with each call, so the caller's windows and the object's expiry checks agree (and tests can
 * move time); the cleanup alarm goes by the object's own clock.
 */
export class StoreObject {
  private readonly sql: DurableObjectStateLike["storage"]["sql"];
  private readonly logs: LogTable;
  private readonly analytics: AnalyticsTable;
  /** When the cleanup alarm is set for (ms), as far as this instance knows. */
  private alarmAt: number | null = null;
  /** The latest clock a caller sent: cleanup never runs ahead of it. */
  private callerNow: number | undefined;

  /** Key writes queue here: KV calls are I/O, during which other requests may run. */
  private keyWrites: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly state: DurableObjectStateLike,
    private readonly env: StoreObjectEnv = {},
  ) {
    this.sql = state.storage.sql;
    this.logs = new LogTable(this.sql);
    this.analytics = new AnalyticsTable(this.sql);
    state.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      this.alarmAt = await state.storage.getAlarm();
    });
  }

  async fetch(request: Request): Promise<Response> {
    const op = new URL(request.url).pathname.slice(1);
    let input: any;
    try {
      input = await request.json();
    } catch {
      return reply(400, { error: "body is not JSON" });
    }
    try {
      switch (op) {
        case "hit":
          return reply(200, await this.hit(input.key, num(input.windowStart), num(input.windowMs), num(input.cost), num(input.limit), this.clock(input.now)));
        case "add":
          return reply(200, { count: await this.add(input.key, num(input.windowStart), num(input.windowMs), num(input.amount), this.clock(input.now)) });
        case "get":
          return reply(200, { count: this.current(input.key, num(input.windowStart), this.clock(input.now)) });
        case "usage-add":
          this.addUsage(input as UsageRow);
          return reply(200, {});
        case "usage-query":
          return reply(200, { rows: this.queryUsage(input) });
        case "key-put":
          await this.serialKeyWrite(() => this.putKey(input.record as VirtualKeyRecord));
          return reply(200, {});
        case "key-delete":
          return reply(200, { deleted: await this.serialKeyWrite(() => this.deleteKey(String(input.id))) });
        case "log-put": {
          const earliest = this.logs.put(input.entries);
          if (earliest !== undefined) await this.scheduleCleanup(nextHour(earliest));
          return reply(200, {});
        }
        // Entries travel as the JSON text they are stored as, never parsed here.
        case "log-get":
          return replyText(`{"entry":${this.logs.get(input.id, this.clock(input.now)) ?? "null"}}`);
        case "log-list": {
          const page = this.logs.list(input.filter ?? {}, input.after, num(input.limit), this.clock(input.now));
          return replyText(`{"more":${page.more},"entries":[${page.entries.join(",")}]}`);
        }
        case "log-patch":
          return replyText(`{"entry":${this.logs.patch(input.id, input.patch ?? {}, this.clock(input.now)) ?? "null"}}`);
        case "log-delete":
          return reply(200, { deleted: this.logs.delete(input.id, this.clock(input.now)) });
        case "analytics-add":
          this.analytics.add(input as AnalyticsRow);
          return reply(200, {});
        case "analytics-query":
          return reply(200, { rows: this.analytics.query(input) });
        default:
          return reply(404, { error: `unknown operation "${op}"` });
      }
    } catch (e) {
      // KV failing under a key write is the backend being unavailable; anything else is bad input.
      if (e instanceof StoreUnavailableError) return reply(503, { error: e.message, code: e.code, throttled: e.throttled });
      return reply(400, { error: String((e as Error)?.message ?? e) });
    }
  }

  /** Deletes the windows and log entries that have expired, then sleeps until the next ones expire. */
  async alarm(): Promise<void> {
    // Never delete what the callers' clock still reads as live, and leave a minute of grace
    // (as DynamoDB's TTL does) for a caller whose clock is a little behind.
    const now = Math.min(Date.now(), this.callerNow ?? Infinity);
    this.sql.exec("DELETE FROM counters WHERE expires_at <= ?", now - CLEANUP_GRACE_MS);
    const backlog = this.logs.deleteExpired(now - CLEANUP_GRACE_MS);
    this.alarmAt = null;
    if (backlog) {
      this.alarmAt = Date.now();
      await this.state.storage.setAlarm(this.alarmAt);
      return;
    }
    const counter = this.sql.exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM counters").one().next;
    const log = this.logs.nextExpiry();
    if (counter != null) await this.scheduleCleanup(counter);
    if (log != null) await this.scheduleCleanup(nextHour(log));
  }

  private async scheduleCleanup(expiresAt: number) {
    // What outlives any alarm (all-time spend expires centuries out; Durable Objects take no alarm
    // past 2189) gets one a year ahead, which finds nothing to delete and sets the next from what is left.
    const at = Math.min(Math.max(expiresAt, Date.now()) + CLEANUP_GRACE_MS, Date.now() + MAX_ALARM_AHEAD_MS);
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.state.storage.setAlarm(at);
  }

  private clock(sent: unknown): number {
    if (sent === undefined) return Date.now();
    const now = num(sent);
    this.callerNow = Math.max(this.callerNow ?? now, now);
    return now;
  }

  private async hit(key: string, windowStart: number, windowMs: number, cost: number, limit: number, now: number) {
    const count = this.current(key, windowStart, now);
    if (count + cost > limit) return { allowed: false, count };
    await this.write(key, windowStart, windowMs, count + cost);
    return { allowed: true, count: count + cost };
  }

  private async add(key: string, windowStart: number, windowMs: number, amount: number, now: number): Promise<number> {
    const count = this.current(key, windowStart, now) + amount;
    await this.write(key, windowStart, windowMs, count);
    return count;
  }

  private current(key: string, windowStart: number, now: number): number {
    if (typeof key !== "string") throw new Error("key must be a string");
    const rows = this.sql.exec<{ count: number; expires_at: number }>("SELECT count, expires_at FROM counters WHERE key = ? AND window_start = ?", key, windowStart).toArray();
    const row = rows[0];
    return row && row.expires_at > now ? row.count : 0;
  }

  private async write(key: string, windowStart: number, windowMs: number, count: number) {
    const expiresAt = counterExpiry(windowStart, windowMs);
    this.sql.exec("INSERT OR REPLACE INTO counters (key, window_start, count, expires_at) VALUES (?, ?, ?, ?)", key, windowStart, count, expiresAt);
    await this.scheduleCleanup(expiresAt);
  }

  private serialKeyWrite<T>(write: () => Promise<T>): Promise<T> {
    const run = this.keyWrites.then(write);
    this.keyWrites = run.catch(() => {});
    return run;
  }

  private kv(): KV {
    if (!this.env.STRAIT_KV) throw new Error("the Durable Object has no STRAIT_KV binding");
    return this.env.STRAIT_KV;
  }

  /** The hash this key id holds now: this object's own record, else what KV says (keys written before it existed). */
  private async currentHash(id: string): Promise<string | null> {
    const row = this.sql.exec<{ hash: string }>("SELECT hash FROM keys WHERE id = ?", id).toArray()[0];
    if (row) return row.hash;
    const text = await this.kv().get(`vk:id:${id}`, "text");
    return text === null ? null : (JSON.parse(text) as VirtualKeyRecord).hash;
  }

  private async putKey(record: VirtualKeyRecord) {
    if (typeof record?.id !== "string" || typeof record.hash !== "string") throw new Error("a key record needs an id and a hash");
    const before = await this.currentHash(record.id);
    await writeKey(this.kv(), record, before);
    this.sql.exec("INSERT OR REPLACE INTO keys (id, hash) VALUES (?, ?)", record.id, record.hash);
  }

  private async deleteKey(id: string): Promise<boolean> {
    const before = await this.currentHash(id);
    if (before === null) return false;
    await deleteKey(this.kv(), id, before);
    this.sql.exec("DELETE FROM keys WHERE id = ?", id);
    return true;
  }

  private addUsage(r: UsageRow) {
    if (typeof r.keyId !== "string" || typeof r.day !== "string" || typeof r.model !== "string") throw new Error("usage row needs keyId, day and model");
    this.sql.exec(
      `INSERT INTO usage (key_id, day, model, requests, cache_hits, tokens_in, tokens_out, cost_micros) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key_id, day, model) DO UPDATE SET requests = requests + excluded.requests, cache_hits = cache_hits + excluded.cache_hits,
         tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out, cost_micros = cost_micros + excluded.cost_micros`,
      // A Worker that predates the counter (a gradual deployment) sends none: 0.
      r.keyId, r.day, r.model, num(r.requests), r.cacheHits === undefined ? 0 : num(r.cacheHits), num(r.tokensIn), num(r.tokensOut), num(r.costMicros),
    );
  }

  private queryUsage(f: { keyId?: string; from?: string; to?: string }): UsageRow[] {
    const keyId = f.keyId ?? null;
    const from = f.from ?? null;
    const to = f.to ?? null;
    return this.sql
      .exec<{ key_id: string; day: string; model: string; requests: number; cache_hits: number; tokens_in: number; tokens_out: number; cost_micros: number }>(
        `SELECT * FROM usage WHERE (?1 IS NULL OR key_id = ?1) AND (?2 IS NULL OR day >= ?2) AND (?3 IS NULL OR day <= ?3) ORDER BY day, key_id, model`,
        keyId, from, to,
      )
      .toArray()
      .map((r) => ({
        keyId: r.key_id,
        day: r.day,
        model: r.model,
        requests: r.requests,
        cacheHits: r.cache_hits,
        tokensIn: r.tokens_in,
        tokensOut: r.tokens_out,
        costMicros: r.cost_micros,
      }))
      .sort(compareUsage);
  }
}

const CLEANUP_GRACE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The start of the hour after `ms`: log entries are swept an hour at a time. */
function nextHour(ms: number): number {
  return (Math.floor(ms / HOUR_MS) + 1) * HOUR_MS;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS counters (key TEXT NOT NULL, window_start INTEGER NOT NULL, count REAL NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (key, window_start));
CREATE TABLE IF NOT EXISTS usage (key_id TEXT NOT NULL, day TEXT NOT NULL, model TEXT NOT NULL, requests INTEGER NOT NULL, tokens_in INTEGER NOT NULL,
  tokens_out INTEGER NOT NULL, cost_micros INTEGER NOT NULL, cache_hits INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (key_id, day, model));
CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL);
`;

/**
 * Creates the tables, and brings a table an older version created up to date. Runs on every start,
 * so each step must be safe to repeat: a column is added only when PRAGMA table_info lacks it.
 * Columns added later: `usage.cache_hits` (rows from before read as 0, its default);
 * `logs.guardrails` and `analytics.guardrails` (null in rows from before: no hits). Tables added
 * later: `logs` and `analytics` (log-table.ts, analytics-table.ts), created empty.
 */
export function migrate(sql: DurableObjectStateLike["storage"]["sql"]): void {
  sql.exec(SCHEMA);
  sql.exec(LOG_SCHEMA);
  sql.exec(ANALYTICS_SCHEMA);
  const usage = new Set(sql.exec<{ name: string }>("PRAGMA table_info(usage)").toArray().map((c) => c.name));
  if (!usage.has("cache_hits")) sql.exec("ALTER TABLE usage ADD COLUMN cache_hits INTEGER NOT NULL DEFAULT 0");
  migrateLogs(sql);
  migrateAnalytics(sql);
}

function reply(status: number, body: unknown): Response {
  return replyText(JSON.stringify(body), status);
}

function replyText(json: string, status = 200): Response {
  return new Response(json, { status, headers: { "content-type": "application/json" } });
}
