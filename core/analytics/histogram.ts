/**
 * Latency histograms that add up across calls, hours and stores: bucket i holds durations up to
 * 2^(i/4) ms (about 19% wide), so 0..80 cover 1 ms to 17 minutes. A percentile is read as its
 * bucket's upper bound: never under the truth, at most one bucket over.
 */

export const BUCKETS = 81;

/** The bucket of a duration in milliseconds. */
export function bucketOf(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(4 * Math.log2(ms)));
}

/** The largest duration a bucket holds, ms, rounded to a tenth. */
export function bucketUpperMs(i: number): number {
  return Math.round(2 ** (i / 4) * 10) / 10;
}

/** Adds `b` into `a` (sparse: bucket index → count). */
export function mergeHistogram(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  for (const k in b) a[k] = (a[k] ?? 0) + b[k]!;
  return a;
}

/** The p-th percentile (0 < p <= 100) in ms, or undefined for an empty histogram. */
export function percentile(h: Record<string, number>, p: number): number | undefined {
  const entries = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((x, y) => x[0] - y[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (!total) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const [i, n] of entries) {
    seen += n;
    if (seen >= rank) return bucketUpperMs(i);
  }
  return bucketUpperMs(entries[entries.length - 1]![0]);
}
