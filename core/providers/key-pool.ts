/**
 * A provider's keys, used in turn. A key that answered 401 or 429 sits out a cool-down,
 * so one exhausted or revoked key does not fail every other request.
 */
export class KeyPool {
  private nextIndex = 0;
  private readonly coolUntil = new Map<string, number>();

  constructor(
    readonly keys: readonly string[],
    private readonly cooldownMs = 60_000,
  ) {}

  get size() {
    return this.keys.length;
  }

  /** The next key not cooling down; if all are, the one whose cool-down ends first. Never one in `exclude`. */
  next(exclude?: ReadonlySet<string>, now = Date.now()): string | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    let soonest: string | undefined;
    let soonestAt = Infinity;
    for (let i = 0; i < n; i++) {
      const key = this.keys[(this.nextIndex + i) % n]!;
      if (exclude?.has(key)) continue;
      const until = this.coolUntil.get(key) ?? 0;
      if (until <= now) {
        this.nextIndex = (this.nextIndex + i + 1) % n;
        return key;
      }
      if (until < soonestAt) [soonest, soonestAt] = [key, until];
    }
    return soonest;
  }

  cool(key: string, ms = this.cooldownMs, now = Date.now()) {
    this.coolUntil.set(key, now + ms);
  }

  isCooling(key: string, now = Date.now()) {
    return (this.coolUntil.get(key) ?? 0) > now;
  }
}

/** One key, a comma list or a JSON array, as users write them in environment variables. */
export function parseKeyList(value: string | undefined): string[] {
  if (!value) return [];
  const v = value.trim();
  if (v.startsWith("[")) {
    const parsed: unknown = JSON.parse(v);
    if (!Array.isArray(parsed) || !parsed.every((k) => typeof k === "string")) throw new Error("expected a JSON array of strings");
    return parsed.map((k) => k.trim()).filter(Boolean);
  }
  return v.split(",").map((k) => k.trim()).filter(Boolean);
}
