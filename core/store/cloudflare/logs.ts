import { checkLogEntries, checkLogFilter, checkLogPatch, compareLogs, decodeLogCursor, encodeLogCursor, isLogId, logPageSize } from "../log-rules.js";
import type { LogEntry, LogStore } from "../types.js";
import type { DurableObjectNamespaceLike } from "./bindings.js";
import { callObject as call } from "./call.js";
import { shardOf } from "./shards.js";

/**
 * The log is spread over this many StoreObjects by a hash of the entry id: one object takes on
 * the order of a thousand writes a second, so the log takes about this many times that, even
 * when one key sends all the traffic. Changing the number moves where entries live, so it is fixed.
 */
export const LOG_SHARDS = 8;

/** The shard that holds the entry with this id: get, patch and delete ask it alone. */
export function logShard(id: string): number {
  return shardOf(id, LOG_SHARDS);
}

const shardName = (i: number) => `logs:${i}`;

/**
 * The request log in SQLite-backed StoreObjects (log-table.ts). put() sends one call per shard
 * its batch touches; list() asks every shard for a page below the cursor's position and merges
 * them newest first. The cursor is the one every adapter uses: one position serves every shard,
 * each continues below it. Each object checks expiry against the caller's clock on every read.
 * Bad input is refused here by the rules every adapter shares (log-rules.ts), before any object
 * is called.
 */
export function durableObjectLogs(ns: DurableObjectNamespaceLike, now: () => number = Date.now): LogStore {
  return {
    async put(entries) {
      checkLogEntries(entries);
      const byShard = new Map<number, LogEntry[]>();
      for (const entry of entries) {
        const shard = logShard(entry.id);
        const batch = byShard.get(shard);
        if (batch) batch.push(entry);
        else byShard.set(shard, [entry]);
      }
      await Promise.all([...byShard].map(([shard, batch]) => call(ns, shardName(shard), "log-put", { entries: batch, now: now() })));
    },

    async get(id) {
      if (!isLogId(id)) return null;
      return (await call<{ entry: LogEntry | null }>(ns, shardName(logShard(id)), "log-get", { id, now: now() })).entry;
    },

    async list(filter, cursor, limit) {
      checkLogFilter(filter);
      const size = logPageSize(limit);
      const after = cursor === undefined ? undefined : decodeLogCursor(cursor);
      const at = now();
      const pages = await Promise.all(
        [...Array(LOG_SHARDS).keys()].map((i) => call<{ entries: LogEntry[]; more: boolean }>(ns, shardName(i), "log-list", { filter, after, limit: size, now: at })),
      );
      const merged = pages.flatMap((p) => p.entries).sort(compareLogs);
      // A shard that has more may hold entries older than the last it sent (it stops at `size`, or
      // earlier at its byte budget): the page ends there, at the newest such last entry.
      let end = Math.min(size, merged.length);
      for (const p of pages) if (p.more) end = Math.min(end, merged.indexOf(p.entries[p.entries.length - 1]!) + 1);
      const items = merged.slice(0, end);
      const more = end < merged.length || pages.some((p) => p.more);
      const last = items[items.length - 1];
      return more && last ? { items, cursor: encodeLogCursor(last) } : { items };
    },

    async patch(id, patch) {
      checkLogPatch(patch);
      if (!isLogId(id)) return null;
      return (await call<{ entry: LogEntry | null }>(ns, shardName(logShard(id)), "log-patch", { id, patch, now: now() })).entry;
    },

    async delete(id) {
      if (!isLogId(id)) return false;
      return (await call<{ deleted: boolean }>(ns, shardName(logShard(id)), "log-delete", { id, now: now() })).deleted;
    },
  };
}
