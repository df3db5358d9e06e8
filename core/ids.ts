const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID (https://github.com/ulid/spec): 48 bits of milliseconds then 80 random bits, 26
 * characters of Crockford base32. Sorting them sorts by time, so the request log lists newest
 * first by id alone; it is the request's x-request-id and cf-aig-log-id.
 */
export function ulid(now = Date.now()): string {
  let time = "";
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32]! + time;
  const random = randomBytes(16);
  let tail = "";
  for (let i = 0; i < 16; i++) tail += CROCKFORD[random[i]! & 31];
  return time + tail;
}

/** Random bytes drawn 4 KiB at a time: one getRandomValues call per 256 ids rather than one per id. */
let pool = new Uint8Array(0);
let used = 0;
function randomBytes(n: number): Uint8Array {
  if (used + n > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(4096));
    used = 0;
  }
  used += n;
  return pool.subarray(used - n, used);
}

/** The time a ULID was made, ms since the epoch; NaN when `id` is not one. */
export function ulidTime(id: string): number {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return Number.NaN;
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + CROCKFORD.indexOf(id[i]!);
  return t;
}
