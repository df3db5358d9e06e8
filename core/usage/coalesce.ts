/**
 * Merges additions to the same counter while a write for it is in flight: the first addition is
 * written at once (or after a WriteBehind's delay, gathering what arrives meanwhile); the ones that arrive
 * while a write is in flight are summed and written together when it returns. Each caller's
 * promise settles when its own addition is stored (or failed), so deferred work (awaited on
 * Lambda) still covers it. Under load, N additions to one counter become a handful of writes.
 * Without a WriteBehind (Lambda, Workers) no timer is involved; the local server writes behind by
 * a second, so its embedded store is not written on every request.
 */
export class Coalescer<T> {
  private readonly slots = new Map<string, Slot<T>>();

  constructor(
    /** Sums two additions; it may change and return `a`, the batch's own value. */
    private readonly merge: (a: T, b: T) => T,
    private readonly write: (value: T) => Promise<unknown>,
    private readonly opts: {
      /** Delays the writes (the local server); without it they start at once. */
      behind?: WriteBehind;
      /** Told of each write's promise once (Runtime.defer), so a caller need not await its addition. */
      track?: (work: Promise<unknown>) => void;
      /**
       * A waiting batch this says is full goes at once rather than after the WriteBehind's delay:
       * the work of one write (the request log's, per entry) stays bounded however busy the server.
       */
      full?: (value: T) => boolean;
    } = {},
  ) {}

  /** Settles when this addition is stored (or failed): one promise per batch, shared by its callers. */
  add(id: string, value: T): Promise<void> {
    const slot = this.slots.get(id);
    if (slot) {
      if (slot.pending) {
        slot.pending.value = this.merge(slot.pending.value, value);
        const { done } = slot.pending;
        this.goIfFull(id, slot);
        return done;
      }
      return this.tracked((slot.pending = batch(value)).done);
    }
    const fresh: Slot<T> = {};
    this.slots.set(id, fresh);
    if (!this.opts.behind?.ms) return this.tracked(this.run(id, fresh, value));
    fresh.pending = batch(value);
    const { done } = fresh.pending;
    this.later(id, fresh);
    return this.tracked(done);
  }

  /**
   * The same as add(id, fresh()), but a batch already waiting for `id` is added to in place by
   * `into`: a call under load builds no value of its own only to have it merged.
   */
  addTo(id: string, fresh: () => T, into: (pending: T) => void): Promise<void> {
    const slot = this.slots.get(id);
    const pending = slot?.pending;
    if (!pending) return this.add(id, fresh());
    into(pending.value);
    this.goIfFull(id, slot!);
    return pending.done;
  }

  private tracked(p: Promise<void>): Promise<void> {
    this.opts.track?.(p);
    return p;
  }

  private async run(id: string, slot: Slot<T>, value: T): Promise<void> {
    try {
      await this.write(value);
    } finally {
      if (!slot.pending) this.slots.delete(id);
      // What arrived during the write goes next: at once, or after the next delay (more may join it meanwhile).
      else if (this.opts.behind?.ms) this.later(id, slot);
      else this.next(id, slot);
    }
  }

  /** The slot's batch goes after the write-behind delay, or now if it is full already. */
  private later(id: string, slot: Slot<T>) {
    if (this.opts.full?.(slot.pending!.value)) return this.next(id, slot);
    const wait = (slot.waiting = {});
    // A batch that went early, being full, leaves this wait with nothing to do.
    this.opts.behind!.wait().then(() => slot.waiting === wait && this.next(id, slot));
  }

  /** A batch waiting out the delay goes now once it is full; one behind a write in flight goes when that returns. */
  private goIfFull(id: string, slot: Slot<T>) {
    if (slot.waiting && this.opts.full?.(slot.pending!.value)) this.next(id, slot);
  }

  private next(id: string, slot: Slot<T>) {
    slot.waiting = undefined;
    const b = slot.pending!;
    slot.pending = undefined;
    this.run(id, slot, b.value).then(b.ok, b.fail);
  }
}

interface Batch<T> {
  value: T;
  done: Promise<void>;
  ok: () => void;
  fail: (e: unknown) => void;
}

interface Slot<T> {
  pending?: Batch<T>;
  /** Set while `pending` waits out the write-behind delay: that wait's token. */
  waiting?: object;
}

function batch<T>(value: T): Batch<T> {
  let ok!: () => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    ok = resolve;
    fail = reject;
  });
  return { value, done, ok, fail };
}

/** The delay of the writes behind the answers: `ms` after the first, or none from close() on (shutdown). */
export class WriteBehind {
  private waiting: Array<() => void> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(readonly ms: number) {}

  wait(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.timer ??= setTimeout(() => this.flush(), this.ms);
    });
  }

  /** Lets every waiting write go now, and every later one at once. */
  close() {
    this.closed = true;
    this.flush();
  }

  private flush() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const go = this.waiting;
    this.waiting = [];
    for (const resolve of go) resolve();
  }
}
