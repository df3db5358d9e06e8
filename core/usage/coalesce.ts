/**
 * Merges additions to the same counter while a write for it is in flight: the first addition is
 * written at once; the ones that arrive meanwhile are summed and written together when it returns.
 * Each caller's promise settles when its own addition is stored (or failed), so deferred work
 * (awaited on Lambda) still covers it. Under load, N additions to one counter become a handful of
 * writes; with no load it changes nothing. No timers: nothing waits on a clock.
 */
export class Coalescer<T> {
  private readonly slots = new Map<string, { pending?: { value: T; waiters: Array<{ ok: () => void; fail: (e: unknown) => void }> } }>();

  constructor(
    private readonly merge: (a: T, b: T) => T,
    private readonly write: (value: T) => Promise<unknown>,
  ) {}

  add(id: string, value: T): Promise<void> {
    const slot = this.slots.get(id);
    if (slot) {
      return new Promise<void>((ok, fail) => {
        if (slot.pending) {
          slot.pending.value = this.merge(slot.pending.value, value);
          slot.pending.waiters.push({ ok, fail });
        } else slot.pending = { value, waiters: [{ ok, fail }] };
      });
    }
    const fresh = {};
    this.slots.set(id, fresh);
    return this.run(id, fresh, value);
  }

  private async run(id: string, slot: { pending?: { value: T; waiters: Array<{ ok: () => void; fail: (e: unknown) => void }> } }, value: T): Promise<void> {
    try {
      await this.write(value);
    } finally {
      const next = slot.pending;
      slot.pending = undefined;
      if (next) {
        this.run(id, slot, next.value).then(
          () => next.waiters.forEach((w) => w.ok()),
          (e) => next.waiters.forEach((w) => w.fail(e)),
        );
      } else this.slots.delete(id);
    }
  }
}
