import type { CounterResult, LimitStore } from "../store/types.js";
import { Coalescer, type WriteBehind } from "../usage/coalesce.js";

/** Past this many windows, the expired ones are swept before a new one is added. */
const SWEEP_AT = 50_000;

interface Entry {
  count: number;
  expiresAt: number;
  /** A long-lived counter's value in the store, while it is read (once). */
  loading?: Promise<void>;
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
export function processCounters(store: LimitStore, opts: { defer(work: Promise<unknown>): void; behind: WriteBehind; now?: () => number }): LimitStore {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const id = (key: string, start: number) => `${key}\u0000${start}`;
  const writes = new Coalescer<{ key: string; start: number; ms: number; n: number }>(
    (a, b) => ({ ...a, n: a.n + b.n }),
    (w) => store.add(w.key, w.start, w.ms, w.n),
    { behind: opts.behind, track: opts.defer },
  );

  const sweep = () => {
    if (entries.size < SWEEP_AT) return;
    const t = now();
    for (const [k, e] of entries) if (e.expiresAt <= t && !e.loading) entries.delete(k);
  };

  /** The window's entry; a long-lived one is read from the store the first time. */
  const entry = async (key: string, start: number, ms: number): Promise<Entry> => {
    const k = id(key, start);
    let e = entries.get(k);
    if (!e) {
      sweep();
      const fresh: Entry = { count: 0, expiresAt: isLongLived(key) ? Number.POSITIVE_INFINITY : start + 2 * ms };
      if (isLongLived(key)) {
        fresh.loading = store.get(key, start).then(
          (n) => {
            fresh.count += n;
            fresh.loading = undefined;
          },
          (err) => {
            entries.delete(k); // read again next time; this caller fails closed
            throw err;
          },
        );
      }
      entries.set(k, fresh);
      e = fresh;
    }
    if (e.loading) await e.loading;
    return e;
  };

  // Each method settles at once from memory when its window is here (nearly always): no await.
  const counters: LimitStore = {
    hit(key, start, ms, cost, limit): Promise<CounterResult> {
      const e = entries.get(id(key, start));
      if (!e || e.loading) return entry(key, start, ms).then(() => counters.hit(key, start, ms, cost, limit));
      if (e.count + cost > limit) return Promise.resolve({ allowed: false, count: e.count });
      e.count += cost;
      return Promise.resolve({ allowed: true, count: e.count });
    },

    add(key, start, ms, amount) {
      const e = entries.get(id(key, start));
      if (!e || e.loading) return entry(key, start, ms).then(() => counters.add(key, start, ms, amount));
      e.count += amount;
      if (isLongLived(key)) writes.add(id(key, start), { key, start, ms, n: amount });
      return Promise.resolve(e.count);
    },

    get(key, start) {
      const e = entries.get(id(key, start));
      if (e && !e.loading) return Promise.resolve(e.count);
      if (!e && !isLongLived(key)) return Promise.resolve(0); // a rate window this process never counted holds nothing
      return entry(key, start, 0).then((loaded) => loaded.count);
    },
  };
  return counters;
}
