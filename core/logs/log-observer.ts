import type { CallObserver, Gateway } from "../gateway.js";
import type { LogEntry, LogStore } from "../store/types.js";
import { Coalescer } from "../usage/coalesce.js";
import { logEntry } from "./entry.js";

/** Entries waiting for the store at most: past it (the store down or slow for long), new ones are dropped and counted. */
const MAX_WAITING = 10_000;

/**
 * A batch this big is written at once, without waiting for the write-behind delay. The local
 * server's journal copies and serialises every entry of a batch in one go: the five seconds'
 * worth of a busy server (2,500–10,000 entries) held its event loop for 2–13 ms, 128 for 0.25.
 */
const FULL_BATCH = 128;

/** The longest a log entry waits for its answer's body to end before it is written without it. */
const BODY_WAIT_MS = 10 * 60_000;

/**
 * Writes one log entry per finished call that is to be logged, after its answer, batched: entries
 * that finish while a write is in flight (or, on the local server, within the write-behind delay)
 * go to the store together. A failed write is a log line; the request never knew.
 */
export function logObserver(gw: Gateway, store: LogStore): CallObserver {
  const ttlMs = gw.config.logs.ttlDays * 86_400_000;
  const { log } = gw.runtime;
  let dropped = 0;
  const batches = new Coalescer<LogEntry[]>(
    (a, b) => {
      for (const e of b) {
        if (a.length < MAX_WAITING) a.push(e);
        else if (++dropped % 1000 === 1) log.warn("request log entries dropped: the store is not keeping up", { dropped });
      }
      return a;
    },
    (entries) => store.put(entries),
    { behind: gw.behind, track: gw.runtime.defer, full: (entries) => entries.length >= FULL_BATCH },
  );
  // The batch's write is tracked as deferred work by the Coalescer: nothing to return.
  return (record, call) => {
    if (!record.logged) return;
    if (!call.bodies) return void batches.add("log", [logEntry(record, call, ttlMs) as LogEntry]);
    return Promise.resolve(logEntry(record, { ...call, bodies: withDeadline(call.bodies) }, ttlMs)).then((entry) => void batches.add("log", [entry]));
  };
}

function withDeadline<T extends object>(p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve({} as T), BODY_WAIT_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
