import { applyLogPatch, checkLogEntries, checkLogFilter, type LogPosition } from "../log-rules.js";
import { utf8Length } from "../rules.js";
import type { GuardHit } from "../../types.js";
import type { LogEntry, LogFilter, LogPatch, MetadataValue } from "../types.js";
import type { DurableObjectStateLike } from "./bindings.js";
import { num, optStr, str } from "./input.js";

type Sql = DurableObjectStateLike["storage"]["sql"];

/** A row of a Durable Object's SQLite holds at most 2 MB: an entry's JSON stays under this, leaving room for the other columns. */
export const MAX_LOG_ENTRY_BYTES = 1_900_000;
/** The entry text (UTF-16 units) one shard sends for one page at most, beyond its first entry: bodies can make entries large. */
const MAX_PAGE_UNITS = 2 * 1024 * 1024;
/** Expired entries one alarm deletes at most, so that a backlog never makes one long alarm. */
const SWEEP_ROWS = 10_000;

/**
 * `entry` is the whole LogEntry as JSON: what reads return, so a field added to LogEntry needs no
 * new column. The other columns copy what filters and the order use; `metadata` holds the string
 * form of each metadata value (`{"n":"3","ok":"true"}`), which is what a metadata filter compares;
 * `guardrails` the policies and actions of the guardrail hits (`["pii","redact"]`), which is what
 * a guardrail filter compares, without parsing the entry (bodies and all) of every row it reads.
 * The indexes serve newest-first pages, of one key or of all, and the alarm's sweep.
 */
export const LOG_SCHEMA = `
CREATE TABLE IF NOT EXISTS logs (id TEXT PRIMARY KEY, at INTEGER NOT NULL, expires_at INTEGER NOT NULL, key_id TEXT, provider TEXT,
  model TEXT, served_model TEXT, status INTEGER NOT NULL, cache TEXT, metadata TEXT, entry TEXT NOT NULL, guardrails TEXT);
CREATE INDEX IF NOT EXISTS logs_at ON logs (at, id);
CREATE INDEX IF NOT EXISTS logs_key_at ON logs (key_id, at, id);
CREATE INDEX IF NOT EXISTS logs_expires_at ON logs (expires_at);
`;

/** Brings a logs table an older version created up to date; safe to repeat (store-object.ts's migrate runs it on every start). */
export function migrateLogs(sql: Sql): void {
  const columns = new Set(sql.exec<{ name: string }>("PRAGMA table_info(logs)").toArray().map((c) => c.name));
  if (!columns.has("guardrails")) sql.exec("ALTER TABLE logs ADD COLUMN guardrails TEXT");
}

/**
 * The request log's table in one StoreObject (one shard of the log; logs.ts spreads entries over
 * the shards and merges their pages). Every read takes the caller's clock and skips expired
 * entries; the object's alarm deletes them (deleteExpired). What the Worker sends is checked
 * again here by the same rules (log-rules.ts): a refusal is a 400, never a guess.
 */
export class LogTable {
  constructor(private readonly sql: Sql) {}

  /**
   * Stores the entries, replacing any with the same id, and returns the earliest expiry among them.
   * All are checked before any is written, so a bad batch writes nothing.
   */
  put(entries: unknown): number | undefined {
    if (!Array.isArray(entries)) throw new Error("entries must be an array");
    checkLogEntries(entries);
    const rows = entries.map(logRow);
    for (const row of rows) {
      this.sql.exec(
        "INSERT OR REPLACE INTO logs (id, at, expires_at, key_id, provider, model, served_model, status, cache, metadata, entry, guardrails) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ...row,
      );
    }
    return rows.length ? Math.min(...rows.map((r) => r[2] as number)) : undefined;
  }

  /** The entry's JSON; null when absent or expired. */
  get(id: string, now: number): string | null {
    const row = this.sql.exec<{ entry: string }>("SELECT entry FROM logs WHERE id = ? AND expires_at > ?", str(id, "id"), now).toArray()[0];
    return row?.entry ?? null;
  }

  /**
   * Up to `limit` entries' JSON, newest first, after `after` when given; fewer when they add up to
   * more than MAX_PAGE_UNITS. `more` says whether this shard holds further matching entries.
   */
  list(filter: LogFilter, after: LogPosition | undefined, limit: number, now: number): { entries: string[]; more: boolean } {
    const { clauses, params } = conditions(filter, after, now);
    // The WHERE text is made of the constant fragments above only; every value is a bound parameter.
    const rows = this.sql.exec<{ entry: string }>(`SELECT entry FROM logs WHERE ${clauses.join(" AND ")} ORDER BY at DESC, id DESC LIMIT ?`, ...params, limit + 1);
    const entries: string[] = [];
    let units = 0;
    for (const { entry } of rows) {
      if (entries.length === limit || (entries.length > 0 && units + entry.length > MAX_PAGE_UNITS)) return { entries, more: true };
      entries.push(entry);
      units += entry.length;
    }
    return { entries, more: false };
  }

  /** Applies the patch and returns the entry's JSON after it; null when absent or expired. */
  patch(id: string, patch: LogPatch, now: number): string | null {
    const before = this.get(id, now);
    if (before === null) return null;
    const entry = applyLogPatch(JSON.parse(before) as LogEntry, patch);
    const after = fitted(entry);
    this.sql.exec("UPDATE logs SET entry = ?, metadata = ? WHERE id = ?", after, metadataColumn(entry.metadata), id);
    return after;
  }

  /** Deletes the entry; true when it was there and unexpired (an expired one still held goes too). */
  delete(id: string, now: number): boolean {
    const row = this.sql.exec<{ expires_at: number }>("SELECT expires_at FROM logs WHERE id = ?", str(id, "id")).toArray()[0];
    if (!row) return false;
    this.sql.exec("DELETE FROM logs WHERE id = ?", id);
    return row.expires_at > now;
  }

  /** Deletes up to SWEEP_ROWS entries that expired by `cutoff`; true when expired ones remain. */
  deleteExpired(cutoff: number): boolean {
    this.sql.exec("DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE expires_at <= ? LIMIT ?)", cutoff, SWEEP_ROWS);
    return this.sql.exec("SELECT 1 FROM logs WHERE expires_at <= ? LIMIT 1", cutoff).toArray().length > 0;
  }

  /** When the next entry expires; null when there is none. */
  nextExpiry(): number | null {
    return this.sql.exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM logs").one().next;
  }
}

/** A filter and a page position as SQL conditions (constant text) and their bound values. */
function conditions(f: LogFilter, after: LogPosition | undefined, now: number): { clauses: string[]; params: unknown[] } {
  checkLogFilter(f);
  const clauses = ["expires_at > ?"];
  const params: unknown[] = [now];
  const where = (clause: string, ...values: unknown[]) => {
    clauses.push(clause);
    params.push(...values);
  };
  const keyId = optStr(f.keyId, "keyId");
  if (keyId !== undefined) where("key_id = ?", keyId);
  const model = optStr(f.model, "model");
  if (model !== undefined) where("(model = ? OR served_model = ?)", model, model);
  const provider = optStr(f.provider, "provider");
  if (provider !== undefined) where("provider = ?", provider);
  if (f.statusClass !== undefined) where("status >= ? AND status < ?", f.statusClass * 100, f.statusClass * 100 + 100);
  const cache = optStr(f.cache, "cache");
  if (cache !== undefined) where("cache = ?", cache);
  if (f.metadata != null) {
    // json_each takes the name as a plain value: no JSON path is built, so any name (quotes, dots) matches only itself.
    where("EXISTS (SELECT 1 FROM json_each(logs.metadata) AS m WHERE m.key = ? AND m.value = ?)", str(f.metadata.name, "metadata.name"), str(f.metadata.value, "metadata.value"));
  }
  const guardrail = optStr(f.guardrail, "guardrail");
  if (guardrail !== undefined) where("EXISTS (SELECT 1 FROM json_each(logs.guardrails) AS g WHERE g.value = ?)", guardrail);
  if (f.from !== undefined) where("at >= ?", f.from);
  if (f.to !== undefined) where("at <= ?", f.to);
  // `at <= ?` alone bounds the index range; the OR only settles ties on `at`.
  if (after) where("at <= ? AND (at < ? OR id < ?)", num(after.at), after.at, str(after.id, "cursor id"));
  return { clauses, params };
}

/** An entry (checked by checkLogEntries) as the row's column values, in LOG_SCHEMA's order; throws when a field has the wrong type. */
function logRow(e: LogEntry): unknown[] {
  if (e.metadata !== undefined && (typeof e.metadata !== "object" || e.metadata === null || Array.isArray(e.metadata))) {
    throw new Error("a log entry's metadata must be an object");
  }
  if (e.guardrails !== undefined && !Array.isArray(e.guardrails)) throw new Error("a log entry's guardrails must be an array");
  return [
    e.id,
    e.at,
    e.expiresAt,
    optStr(e.keyId, "keyId") ?? null,
    optStr(e.provider, "provider") ?? null,
    optStr(e.model, "model") ?? null,
    optStr(e.servedModel, "servedModel") ?? null,
    num(e.status),
    optStr(e.cache, "cache") ?? null,
    metadataColumn(e.metadata),
    fitted(e),
    guardrailsColumn(e.guardrails),
  ];
}

/** The policies and actions of the hits, each once: what a guardrail filter matches (a policy or an action). */
function guardrailsColumn(hits: GuardHit[] | undefined): string | null {
  if (!hits?.length) return null;
  const terms = new Set<string>();
  for (const h of hits) {
    if (typeof h !== "object" || h === null) throw new Error("a log entry's guardrail hit must be an object");
    terms.add(str(h.policy, "guardrails[].policy"));
    terms.add(str(h.action, "guardrails[].action"));
  }
  return JSON.stringify([...terms]);
}

/** Each metadata value in its string form, as a filter compares it (`3` and `true` match "3" and "true"). */
function metadataColumn(metadata: Record<string, MetadataValue> | undefined): string | null {
  return metadata ? JSON.stringify(Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, String(value)]))) : null;
}

/**
 * The entry as JSON within MAX_LOG_ENTRY_BYTES: when over, the longer body is cut (and the entry
 * marked truncated) until it fits. Each UTF-16 unit cut takes at least one byte off the JSON.
 */
function fitted(entry: LogEntry): string {
  let text = JSON.stringify(entry);
  for (let over = utf8Length(text) - MAX_LOG_ENTRY_BYTES; over > 0; over = utf8Length(text) - MAX_LOG_ENTRY_BYTES) {
    const field = (entry.requestBody?.length ?? 0) >= (entry.responseBody?.length ?? 0) ? "requestBody" : "responseBody";
    const body = entry[field];
    if (!body) throw new Error(`log entry ${entry.id} takes ${utf8Length(text)} bytes without its bodies, over the ${MAX_LOG_ENTRY_BYTES} a row holds`);
    entry = { ...entry, [field]: cutUnits(body, body.length - over), truncated: true };
    text = JSON.stringify(entry);
  }
  return text;
}

/** The first `units` UTF-16 units of `s` (at least none), never ending in half a surrogate pair. */
function cutUnits(s: string, units: number): string {
  const end = Math.max(0, units);
  const last = s.charCodeAt(end - 1);
  return s.slice(0, last >= 0xd800 && last < 0xdc00 ? end - 1 : end);
}
