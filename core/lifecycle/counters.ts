import type { CounterResult, LimitStore } from "../store/types.js";
import { Coalescer, type WriteBehind } from "../usage/coalesce.js";

/** Past this many windows, the expired ones are swept before a new one is added. */
const SWEEP_AT = 50_000;

interface Entry {
  count: number;
  expiresAt: number;
  /** A long-lived counter's value in the store, while it is read (once). */
  loading?: Promise<void>;
  /** A long-lived counter's id among the writes behind. */
  writeId?: string;
}

/**
 * Counters in this process's memory: besides the LimitStore's promises, each operation at once,
 * or undefined when the counter must first be read from the store (a long-lived one, once).
 */
export interface ProcessCounters extends LimitStore {
  hitNow(key: string, start: number, ms: number, cost: number, limit: number): CounterResult | undefined;
  addNow(key: string, start: number, ms: number, amount: number): number | undefined;
  peek(key: string, start: number): number | undefined;
}

/** Spend counters (spend:<key>:<period>) outlive a process; rate windows (rpm:, tpm:, a minute) don't. */
const isLongLived = (key: string) => key.startsWith("spend:");

/**
 * The limit counters of a process that is the only one counting on its store (the local server
 * on its embedded or memory store): every window lives in memory, so a check costs no store round
 * trip, and it is exact, as one process is the one point of truth. Rate windows (a minute) are
 * memory only: a restart starts them afresh. Long-lived counters (a budget's spend for the day,
 * the month, all time) are read from the store once per window and process, then kept here, and
 * every addition is also written to the store behind the answer (merged by `behind`, tracked by
 * `defer`; Gateway.flush() lets it go at shutdown), so the spend survives a restart.
 */
export function processCounters(store: LimitStore, opts: { defer(work: Promise<unknown>): void; behind: WriteBehind; now?: () => number }): ProcessCounters {
  const now = opts.now ?? Date.now;
  // Counter name → window start → entry: no string is built to find a window.
  const windows = new Map<string, Map<number, Entry>>();
  let size = 0;
  const writes = new Coalescer<{ key: string; start: number; ms: number; n: number }>(
    (a, b) => ((a.n += b.n), a),
    (w) => store.add(w.key, w.start, w.ms, w.n),
    { behind: opts.behind, track: opts.defer },
  );

  const find = (key: string, start: number) => windows.get(key)?.get(start);
  const remove = (key: string, start: number) => {
    const byStart = windows.get(key);
    if (!byStart?.delete(start)) return;
    size--;
    if (byStart.size === 0) windows.delete(key);
  };
  const insert = (key: string, start: number, e: Entry) => {
    if (size >= SWEEP_AT) sweep();
    let byStart = windows.get(key);
    if (!byStart) windows.set(key, (byStart = new Map()));
    byStart.set(start, e);
    size++;
    return e;
  };
  const sweep = () => {
    const t = now();
    for (const [key, byStart] of windows) for (const [start, e] of byStart) if (e.expiresAt <= t && !e.loading) remove(key, start);
  };

  /** A new rate window's entry: it starts at 0, nothing to read. */
  const fresh = (key: string, start: number, ms: number): Entry => insert(key, start, { count: 0, expiresAt: start + 2 * ms });

  /** A long-lived counter's entry, read from the store the first time. */
  const entry = async (key: string, start: number): Promise<Entry> => {
    let e = find(key, start);
    if (!e) {
      const loading: Entry = { count: 0, expiresAt: Number.POSITIVE_INFINITY, writeId: `${key}\u0000${start}` };
      loading.loading = store.get(key, start).then(
        (n) => {
          loading.count += n;
          loading.loading = undefined;
        },
        (err) => {
          remove(key, start); // read again next time; this caller fails closed
          throw err;
        },
      );
      e = insert(key, start, loading);
    }
    if (e.loading) await e.loading;
    return e;
  };

  const counters: ProcessCounters = {
    hitNow(key, start, ms, cost, limit) {
      const e = find(key, start) ?? (isLongLived(key) ? undefined : fresh(key, start, ms));
      if (!e || e.loading) return undefined;
      if (e.count + cost > limit) return { allowed: false, count: e.count };
      e.count += cost;
      return { allowed: true, count: e.count };
    },

    addNow(key, start, ms, amount) {
      const e = find(key, start) ?? (isLongLived(key) ? undefined : fresh(key, start, ms));
      if (!e || e.loading) return undefined;
      e.count += amount;
      if (e.writeId) writes.add(e.writeId, { key, start, ms, n: amount });
      return e.count;
    },

    peek(key, start) {
      const e = find(key, start);
      if (e) return e.loading ? undefined : e.count;
      return isLongLived(key) ? undefined : 0; // a rate window this process never counted holds nothing
    },

    hit(key, start, ms, cost, limit): Promise<CounterResult> {
      const now = counters.hitNow(key, start, ms, cost, limit);
      return now ? Promise.resolve(now) : entry(key, start).then(() => counters.hit(key, start, ms, cost, limit));
    },

    add(key, start, ms, amount) {
      const now = counters.addNow(key, start, ms, amount);
      return now !== undefined ? Promise.resolve(now) : entry(key, start).then(() => counters.add(key, start, ms, amount));
    },

    get(key, start) {
      const now = counters.peek(key, start);
      return now !== undefined ? Promise.resolve(now) : entry(key, start).then((loaded) => loaded.count);
    },
  };
  return counters;
}
