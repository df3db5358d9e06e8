/**
 * The local server's request log: the newest entries in memory (MemoryLogs answers every query),
 * every change appended to a journal file per UTC day in the data folder, replayed at start. On
 * the embedded DynamoDB (dynalite) an entry costs about 1 ms of CPU to write — at a thousand
 * requests a second, most of a core — while a journal line costs a JSON.stringify and a share of
 * one append per batch. Files whose entries have all expired are deleted at start and daily.
 */
import { appendFile, mkdir, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { MemoryLogs } from "../../core/store/memory-logs.js";
import type { LogEntry, LogFilter, LogPatch, LogStore, Page } from "../../core/store/types.js";

/** The newest entries kept queryable; older ones stay in their journal files until they expire. */
export const DEFAULT_JOURNAL_MEMORY_ENTRIES = 20_000;

type JournalLine = { put: LogEntry } | { patch: string; with: LogPatch } | { delete: string };

const FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;

export class JournalLogs implements LogStore {
  private readonly memory: MemoryLogs;
  /** Appends queue here, so lines land in the order their changes were made. */
  private writing: Promise<unknown> = Promise.resolve();
  /** Per journal file, the latest expiry of what it holds: past it, the file goes. */
  private readonly expiries = new Map<string, number>();

  private constructor(
    private readonly dir: string,
    private readonly now: () => number,
    maxEntries: number,
  ) {
    this.memory = new MemoryLogs(now, maxEntries);
  }

  /** Opens the journal in `dir` (created if missing) and replays it. */
  static async open(dir: string, opts: { now?: () => number; maxEntries?: number } = {}): Promise<JournalLogs> {
    const logs = new JournalLogs(dir, opts.now ?? Date.now, opts.maxEntries ?? DEFAULT_JOURNAL_MEMORY_ENTRIES);
    await mkdir(dir, { recursive: true });
    await logs.replay();
    return logs;
  }

  async put(entries: LogEntry[]) {
    await this.memory.put(entries);
    let expires = 0;
    for (const e of entries) expires = Math.max(expires, e.expiresAt);
    await this.append(entries.map((entry) => ({ put: entry })), expires);
  }

  get(id: string) {
    return this.memory.get(id);
  }

  list(filter: LogFilter, cursor?: string, limit?: number): Promise<Page<LogEntry>> {
    return this.memory.list(filter, cursor, limit);
  }

  async patch(id: string, patch: LogPatch) {
    const entry = await this.memory.patch(id, patch);
    if (entry) await this.append([{ patch: id, with: patch }], entry.expiresAt);
    return entry;
  }

  async delete(id: string) {
    const found = await this.memory.delete(id);
    if (found) await this.append([{ delete: id }], 0);
    return found;
  }

  /** Deletes the journal files whose entries have all expired. */
  async prune(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const [name, expires] of this.expiries) {
      if (expires > now || name === this.today()) continue;
      await unlink(join(this.dir, name)).catch(() => {});
      this.expiries.delete(name);
      removed++;
    }
    return removed;
  }

  private today(): string {
    return `${new Date(this.now()).toISOString().slice(0, 10)}.jsonl`;
  }

  private append(lines: JournalLine[], expires: number): Promise<void> {
    const name = this.today();
    this.expiries.set(name, Math.max(this.expiries.get(name) ?? 0, expires));
    const text = lines.map((l) => `${JSON.stringify(l)}\n`).join("");
    const done = this.writing.then(() => appendFile(join(this.dir, name), text));
    this.writing = done.catch(() => {});
    return done;
  }

  private async replay() {
    const names = (await readdir(this.dir)).filter((n) => FILE.test(n)).sort();
    for (const name of names) {
      let expires = 0;
      const text = await readFile(join(this.dir, name), "utf8");
      for (const line of text.split("\n")) {
        if (!line) continue;
        let record: JournalLine;
        try {
          record = JSON.parse(line) as JournalLine;
        } catch {
          continue; // a line cut by a crash mid-write: the ones before it stand
        }
        if ("put" in record) {
          expires = Math.max(expires, record.put.expiresAt);
          if (record.put.expiresAt > this.now()) await this.memory.put([record.put]).catch(() => {});
        } else if ("patch" in record) await this.memory.patch(record.patch, record.with).catch(() => {});
        else if ("delete" in record) await this.memory.delete(record.delete);
      }
      this.expiries.set(name, expires);
    }
    await this.prune();
  }
}
