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

/**
 * An entry's own copy: its only nested objects are `tokens`, `metadata` and `guardrails`.
 * structuredClone would do the same at several times the cost, on every logged request.
 */
function copy(e: LogEntry): LogEntry {
  const out = { ...e, tokens: { ...e.tokens } };
  if (e.metadata) {
    // Defined, not assigned: a name such as "__proto__" stays an entry of its own.
    const metadata: Record<string, string | number | boolean> = {};
    for (const name of Object.keys(e.metadata)) Object.defineProperty(metadata, name, { value: e.metadata[name], enumerable: true, writable: true, configurable: true });
    out.metadata = metadata;
  }
  if (e.guardrails) out.guardrails = e.guardrails.map((h) => (h.labels ? { ...h, labels: [...h.labels] } : { ...h }));
  return out;
}

/** How many entries the memory store keeps when not told otherwise. */
export const DEFAULT_MAX_LOG_ENTRIES = 10_000;

export class MemoryLogs implements LogStore {
  private readonly entries = new Map<string, LogEntry>();
  /**
   * Ids in the order written, the oldest at `head`: the first to go. A queue rather than the
   * Map's own order, because iterating a Map from its start walks every entry deleted before.
   */
  private order: string[] = [];
  private head = 0;

  constructor(
    private readonly now: () => number,
    /** Memory is not a store of record: past this many entries, the oldest written are dropped. */
    private readonly maxEntries: number,
  ) {}

  async put(entries: LogEntry[]) {
    checkLogEntries(entries);
    for (const entry of entries) {
      if (!this.entries.has(entry.id)) this.order.push(entry.id);
      this.entries.set(entry.id, copy(entry));
    }
    while (this.entries.size > this.maxEntries && this.head < this.order.length) this.entries.delete(this.order[this.head++]!);
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  async get(id: string) {
    const entry = this.live(id);
    return entry ? copy(entry) : null;
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
    const items = found.slice(0, size).map((e) => copy(e));
    return found.length > size ? { items, cursor: encodeLogCursor(items[items.length - 1]!) } : { items };
  }

  async patch(id: string, patch: LogPatch) {
    checkLogPatch(patch);
    const entry = this.live(id);
    if (!entry) return null;
    const next = applyLogPatch(entry, structuredClone(patch));
    this.entries.set(id, next);
    return copy(next);
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
