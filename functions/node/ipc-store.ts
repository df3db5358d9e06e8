/**
 * The local server's store across processes (STRAIT_WORKERS > 1): the primary holds the one real
 * store and answers `serveStore`; each HTTP worker's `ipcStore()` is a Store whose every method is
 * one request/response message over the cluster's IPC channel. A worker never decides a limit by
 * itself: when the primary does not answer, its call fails closed (StoreUnavailableError → 503).
 */
import { ResponseTooLargeError, StoreUnavailableError, type Store } from "../../core/store/types.js";

/** What both ends of a cluster IPC channel offer: a worker's `process`, the primary's `Worker`. */
export interface Channel {
  /** The callback hears of a message that could not go (a closed channel), rather than an "error" event. */
  send(message: unknown, callback: (error: Error | null) => void): unknown;
  /** "disconnect": the channel closed (the other process is gone). */
  on(event: "message", listener: (message: unknown) => void): unknown;
  on(event: "disconnect", listener: () => void): unknown;
  off(event: "message", listener: (message: unknown) => void): unknown;
  off(event: "disconnect", listener: () => void): unknown;
}

/** How long a worker waits for the primary's answer before failing the call closed. */
export const IPC_TIMEOUT_MS = 5_000;

/** Operations that read or delete a whole set (a purge of every cached answer): they get longer. */
const SLOW_OPS: ReadonlySet<string> = new Set(["cache.purge"]);
const SLOW_TIMEOUT_MS = 60_000;

/** Every Store method a worker may call, by part: nothing else on the primary's store is reachable. */
const METHODS = {
  keys: ["getByHash", "getById", "put", "list", "delete"],
  cache: ["get", "put", "purge"],
  limits: ["hit", "add", "get"],
  usage: ["add", "query"],
  responses: ["put", "get", "delete"],
  logs: ["put", "get", "list", "patch", "delete"],
  analytics: ["add", "query"],
} as const;

type Part = keyof typeof METHODS;

/** The one message tag of this protocol: other messages on the same channel are left alone. */
const TAG = "strait.store";

interface Call {
  tag: typeof TAG;
  id: number;
  /** "describe", or "<part>.<method>". */
  op: string;
  args: unknown[];
}

interface Reply {
  tag: typeof TAG;
  id: number;
  value?: unknown;
  error?: WireError;
}

interface WireError {
  name: string;
  message: string;
  code?: string;
  throttled?: boolean;
  bytes?: number;
  maxBytes?: number;
}

/** What a worker learns once, before its first call: the store's kind, sizes and optional parts. */
interface Description {
  kind?: string;
  maxValueBytes: number;
  maxRecordBytes: number;
  logs: boolean;
  analytics: boolean;
}

const isCall = (m: unknown): m is Call => typeof m === "object" && m !== null && (m as Call).tag === TAG && typeof (m as Call).op === "string";
const isReply = (m: unknown): m is Reply => typeof m === "object" && m !== null && (m as Reply).tag === TAG && !("op" in m);

/** The built-in classes a store throws for bad input (a RangeError for a malformed hour or cursor): they cross as themselves. */
const PLAIN_ERRORS: Record<string, new (message: string) => Error> = { Error, RangeError, TypeError };

function encodeError(e: unknown): WireError {
  if (e instanceof StoreUnavailableError) return { name: e.name, message: e.message, code: e.code, throttled: e.throttled };
  if (e instanceof ResponseTooLargeError) return { name: e.name, message: e.message, bytes: e.bytes, maxBytes: e.maxBytes };
  const name = e instanceof Error && Object.hasOwn(PLAIN_ERRORS, e.name) ? e.name : "Error";
  return { name, message: String((e as Error)?.message ?? e) };
}


function decodeError(w: WireError): Error {
  if (w.name === "StoreUnavailableError") return new StoreUnavailableError(w.message, w.code ?? "StoreUnavailable", w.throttled === true);
  if (w.name === "ResponseTooLargeError") return new ResponseTooLargeError(w.bytes ?? 0, w.maxBytes ?? 0);
  return new (Object.hasOwn(PLAIN_ERRORS, w.name) ? PLAIN_ERRORS[w.name]! : Error)(w.message);
}

/** The store's method for an op, or undefined for anything not in METHODS (or a part this store lacks). */
function methodOf(store: Store, op: string): ((...args: unknown[]) => Promise<unknown>) | undefined {
  const [part, name] = op.split(".") as [Part, string];
  const allowed = METHODS[part] as readonly string[] | undefined;
  const target = allowed?.includes(name) ? (store[part] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>> | undefined) : undefined;
  const fn = target?.[name];
  return typeof fn === "function" ? fn.bind(target) : undefined;
}

/**
 * Answers one channel's calls on `store` (the primary, once per worker). Returns what stops it.
 * A reply the channel can no longer carry (the worker died) is dropped.
 */
export function serveStore(store: Store, channel: Channel): () => void {
  const describe: Description = {
    ...(store.kind === undefined ? {} : { kind: store.kind }),
    maxValueBytes: store.cache.maxValueBytes,
    maxRecordBytes: store.responses.maxRecordBytes,
    logs: store.logs !== undefined,
    analytics: store.analytics !== undefined,
  };
  const reply = (r: Reply) => {
    try {
      channel.send(r, () => {});
    } catch {}
  };
  const onMessage = (m: unknown) => {
    if (!isCall(m)) return;
    if (m.op === "describe") return reply({ tag: TAG, id: m.id, value: describe });
    const method = methodOf(store, m.op);
    if (!method) return reply({ tag: TAG, id: m.id, error: { name: "Error", message: `the store has no operation ${m.op}` } });
    Promise.resolve()
      .then(() => method(...m.args))
      .then(
        (value) => reply({ tag: TAG, id: m.id, value }),
        (e) => reply({ tag: TAG, id: m.id, error: encodeError(e) }),
      );
  };
  channel.on("message", onMessage);
  return () => channel.off("message", onMessage);
}

/**
 * A Store whose every call is answered by the primary's `serveStore` on `channel` (a cluster
 * worker's `process`). Asks the primary once what it serves; fails with a StoreUnavailableError
 * when it does not answer within `timeoutMs`.
 */
export async function ipcStore(channel: Channel, opts: { timeoutMs?: number } = {}): Promise<Store> {
  const timeoutMs = opts.timeoutMs ?? IPC_TIMEOUT_MS;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: ReturnType<typeof setTimeout> }>();
  let nextId = 1;
  let gone = false;

  const unavailable = (message: string, code: string) => new StoreUnavailableError(`the local server's primary process ${message}`, code, false);
  channel.on("message", (m) => {
    if (!isReply(m)) return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error) p.reject(decodeError(m.error));
    else p.resolve(m.value);
  });
  channel.on("disconnect", () => {
    gone = true;
    for (const [id, p] of pending) {
      pending.delete(id);
      clearTimeout(p.timer);
      p.reject(unavailable("is gone", "PrimaryGone"));
    }
  });

  const call = (op: string, args: unknown[]): Promise<unknown> => {
    if (gone) return Promise.reject(unavailable("is gone", "PrimaryGone"));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const bound = SLOW_OPS.has(op) ? Math.max(timeoutMs, SLOW_TIMEOUT_MS) : timeoutMs;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(unavailable(`did not answer ${op} within ${bound} ms`, "PrimaryTimeout"));
      }, bound);
      pending.set(id, { resolve, reject, timer });
      const failed = (e: unknown) => {
        if (!pending.delete(id)) return;
        clearTimeout(timer);
        reject(unavailable(`can't be reached (${String((e as Error)?.message ?? e)})`, "PrimaryGone"));
      };
      try {
        channel.send({ tag: TAG, id, op, args } satisfies Call, (e) => e && failed(e));
      } catch (e) {
        failed(e);
      }
    });
  };

  const part = <P extends Part>(name: P) => Object.fromEntries(METHODS[name].map((m) => [m, (...args: unknown[]) => call(`${name}.${m}`, args)]));
  const d = (await call("describe", [])) as Description;
  return {
    ...(d.kind === undefined ? {} : { kind: d.kind }),
    keys: part("keys") as unknown as Store["keys"],
    cache: { ...part("cache"), maxValueBytes: d.maxValueBytes } as unknown as Store["cache"],
    limits: part("limits") as unknown as Store["limits"],
    usage: part("usage") as unknown as Store["usage"],
    responses: { ...part("responses"), maxRecordBytes: d.maxRecordBytes } as unknown as Store["responses"],
    ...(d.logs ? { logs: part("logs") as unknown as Store["logs"] } : {}),
    ...(d.analytics ? { analytics: part("analytics") as unknown as Store["analytics"] } : {}),
  };
}
