/**
 * Added latency at a fixed, moderate rate: an open-loop sender fires requests on a fixed schedule
 * (`rate` a second), whether or not the earlier ones were answered, and times each with
 * performance.now() from its send to the end of its body. autocannon's own fixed rate is closed
 * loop per connection and its percentiles are whole milliseconds; this resolves microseconds.
 * The targets take turns in runs of about two seconds, like `alternate()`.
 */
import { Agent, request } from "undici";
import { chatBody, percentiles, type Target } from "./load.js";

export interface RateResult {
  p50: number;
  p99: number;
  sent: number;
  errors: number;
  /** Requests a second actually sent (the schedule's rate, unless the sender fell behind). */
  achieved: number;
}

/** Sends `rate` requests a second to `t` for `seconds`; the milliseconds each took and the errors. */
async function openLoop(pool: Agent, t: Target, rate: number, seconds: number): Promise<{ times: number[]; errors: number; elapsed: number }> {
  const body = chatBody(false);
  const headers = { "content-type": "application/json", ...(t.key ? { authorization: `Bearer ${t.key}` } : {}) };
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const times: number[] = [];
  const pending: Promise<void>[] = [];
  let errors = 0;
  const fire = () => {
    const sent = performance.now();
    pending.push(
      request(t.url, { method: "POST", body, headers, dispatcher: pool })
        .then(async (r) => {
          await r.body.text();
          if (r.statusCode === 200) times.push(performance.now() - sent);
          else errors++;
        })
        .catch(() => void errors++),
    );
  };
  const started = performance.now();
  let next = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      // Every request whose time has come; the timer's own lateness does not lower the rate.
      const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
      while (next < due) fire(), next++;
      if (next < total) setTimeout(tick, Math.max(0, started + next * interval - performance.now()));
      else done();
    };
    tick();
  });
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(pending);
  return { times, errors, elapsed };
}

/** Each target at `rate` requests a second for `seconds` in all, in turns of about two seconds. */
export async function fixedRate(targets: Target[], rate: number, seconds: number): Promise<RateResult[]> {
  const pool = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  for (const t of targets) await openLoop(pool, t, rate, 1); // warm up: JIT, connections
  const turns = Math.max(1, Math.round(seconds / 2));
  const all = targets.map(() => ({ times: [] as number[], errors: 0, sent: 0, elapsed: 0 }));
  for (let turn = 0; turn < turns; turn++) {
    for (let i = 0; i < targets.length; i++) {
      const r = await openLoop(pool, targets[i]!, rate, seconds / turns);
      const a = all[i]!;
      a.times.push(...r.times);
      a.errors += r.errors;
      a.sent += r.times.length + r.errors;
      a.elapsed += r.elapsed;
    }
  }
  await pool.close();
  return all.map((a) => ({ ...percentiles(a.times), sent: a.sent, errors: a.errors, achieved: a.sent / a.elapsed }));
}
