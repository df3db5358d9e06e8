/** The request log in one process's memory (the memory store's part, in a file of its own). */
import {
  applyLogPatch,
  checkLogEntries,
  checkLogFilter,
  checkLogPatch,
  compareLogs,
  decodeLogCursor,
  encodeLogCursor,
  logPageSize,
  matchesLogFilter,
} from "./log-rules.js";
import type { LogEntry, LogFilter, LogPatch, LogStore, Page } from "./types.js";

/** How many entries the memory store keeps when not told otherwise. */
export const DEFAULT_MAX_LOG_ENTRIES = 10_000;

export class MemoryLogs implements LogStore {
  /** By id, in the order written: the first ones are the first to go. */
  private readonly entries = new Map<string, LogEntry>();

  constructor(
    private readonly now: () => number,
    /** Memory is not a store of record: past this many entries, the oldest written are dropped. */
    private readonly maxEntries: number,
  ) {}

  async put(entries: LogEntry[]) {
    checkLogEntries(entries);
    for (const entry of entries) {
      this.entries.delete(entry.id); // re-inserting moves it to the end of the eviction order
      this.entries.set(entry.id, structuredClone(entry));
    }
    for (const id of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(id);
    }
  }

  async get(id: string) {
    const entry = this.live(id);
    return entry ? structuredClone(entry) : null;
  }

  async list(filter: LogFilter, cursor?: string, limit?: number): Promise<Page<LogEntry>> {
    checkLogFilter(filter);
    const size = logPageSize(limit);
    const after = cursor === undefined ? undefined : decodeLogCursor(cursor);
    const now = this.now();
    const found: LogEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.expiresAt > now && (!after || compareLogs(entry, after) > 0) && matchesLogFilter(entry, filter)) found.push(entry);
    }
    found.sort(compareLogs);
    const items = found.slice(0, size).map((e) => structuredClone(e));
    return found.length > size ? { items, cursor: encodeLogCursor(items[items.length - 1]!) } : { items };
  }

  async patch(id: string, patch: LogPatch) {
    checkLogPatch(patch);
    const entry = this.live(id);
    if (!entry) return null;
    const next = applyLogPatch(entry, structuredClone(patch));
    this.entries.set(id, next);
    return structuredClone(next);
  }

  async delete(id: string) {
    const found = this.live(id) !== undefined;
    this.entries.delete(id);
    return found;
  }

  private live(id: string): LogEntry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry;
  }
}
