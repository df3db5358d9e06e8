import type { CallObserver, Gateway } from "../gateway.js";
import type { UsageRow, VirtualKeyRecord } from "../store/types.js";
import type { CallRecord } from "../types.js";
import { batchKeys } from "./batch-key.js";
import { Coalescer } from "./coalesce.js";
import { keyCounters, MINUTE_MS, periodWindow, spendCounter, windowStart, type Period } from "../lifecycle/windows.js";

const PERIODS: Period[] = ["day", "month", "total"];

/**
 * After each response (deferred, never on the request's path; the call already priced by
 * Gateway.observe): a usage row per key/day/model, the spend counters budgets read, and the token counters
 * tokens-per-minute limits read. An open gateway (no key at all) keeps no usage rows; its
 * gateway-wide token counters still count.
 */
export function usageObserver(gw: Gateway): CallObserver {
  const limits = gw.config.limits;
  const store = gw.runtime.store;
  if (!store) return () => {};
  // Concurrent calls add to the same rows and counters: merged while a write is in flight (or
  // waits behind the answers). Each write is deferred work of its own, so no call waits for it.
  const track = gw.runtime.defer;
  const rows = new Coalescer<UsageRow>(
    (a, b) => {
      a.requests += b.requests;
      a.cacheHits += b.cacheHits;
      a.tokensIn += b.tokensIn;
      a.tokensOut += b.tokensOut;
      a.costMicros += b.costMicros;
      return a;
    },
    (row) => store.usage.add(row),
    { behind: gw.behind, track },
  );
  const limitCounters = gw.counters!;
  const counters = new Coalescer<{ key: string; start: number; ms: number; n: number }>(
    (a, b) => ((a.n += b.n), a),
    async (c) => gw.limits?.added(c.key, c.start, await limitCounters.add(c.key, c.start, c.ms, c.n)),
    { track },
  );
  // Counters this process owns are in memory (their store writes wait behind, in processCounters): added at once.
  const failed = (e: unknown) => gw.runtime.log.error("usage counter not added", { error: String((e as Error)?.message ?? e) });
  const local = gw.limits?.local;
  const count = local
    ? (key: string, start: number, ms: number, n: number) => {
        if (local.addNow(key, start, ms, n) === undefined) local.add(key, start, ms, n).catch(failed);
      }
    : (key: string, start: number, ms: number, n: number) => void counters.add(`${key}\u0000${start}`, { key, start, ms, n });

  const rowKey = batchKeys();
  /** One call added to its key's row for the day and model: in place, when a batch for it is waiting already. */
  const addRow = (principal: string, provider: string, model: string, at: number, cacheHits: number, tokensIn: number, tokensOut: number, costMicros: number) => {
    const day = dayOf(at);
    void rows.addTo(
      rowKey(principal, day, provider, model),
      () => ({ keyId: principal, day, model: `${provider}/${model}`, requests: 1, cacheHits, tokensIn, tokensOut, costMicros }),
      (row) => {
        row.requests++;
        row.cacheHits += cacheHits;
        row.tokensIn += tokensIn;
        row.tokensOut += tokensOut;
        row.costMicros += costMicros;
      },
    );
  };

  /** The call's usage row, token counters and spend, once its key (if any) is known. */
  const add = (record: CallRecord, provider: string, principal: string | undefined, key: VirtualKeyRecord | undefined) => {
    const usage = record.usage;
    const model = record.model || "unknown";
    // A cache hit spent no provider tokens: it counts as a request (and a cache hit), not toward tokens or spend.
    if (record.cache === "HIT") {
      if (principal) addRow(principal, provider, model, record.startedAt, 1, 0, 0, 0);
      return;
    }
    const tokensIn = Number(usage?.prompt_tokens) || 0;
    const tokensOut = Number(usage?.completion_tokens) || 0;
    const tokens = Number(usage?.total_tokens) || tokensIn + tokensOut;
    const cost = record.costMicros ?? 0;
    const now = Date.now();
    const minute = windowStart(now, MINUTE_MS);
    if (principal) addRow(principal, provider, model, record.startedAt, 0, tokensIn, tokensOut, cost);
    if (tokens > 0) {
      if (key?.tpm) count(keyCounters(key.id).tpm, minute, MINUTE_MS, tokens);
      if (limits.tpm) count("tpm:gateway", minute, MINUTE_MS, tokens);
      if (limits.providers[provider]?.tpm) count(`tpm:provider:${provider}`, minute, MINUTE_MS, tokens);
    }
    // Spend is kept for every period, so a budget added later sees what was already spent.
    if (cost > 0 && principal?.startsWith("key_")) {
      for (const p of PERIODS) {
        const w = periodWindow(p, now);
        count(spendCounter(principal!, p), w.start, w.ms, cost);
      }
    }
  };

  // Synchronous unless the key must be read from the store: the rows and counters write behind on their own.
  return (record: CallRecord) => {
    const provider = record.provider;
    if (!provider) return;
    if (!record.usage && record.status >= 400) return;
    // An open gateway (no key at all) keeps no usage rows, but its gateway-wide token limits still count.
    const principal = record.principal && record.principal !== "open" ? record.principal : undefined;
    // Nothing to keep for this call (an open gateway without token limits): no price lookup either.
    if (!principal && !limits.tpm && !limits.providers[provider]?.tpm) return;
    if (!principal?.startsWith("key_")) return add(record, provider, principal, undefined);
    const recent = gw.keys?.recent(principal);
    if (recent) return add(record, provider, principal, recent);
    return keyRecord(gw, principal).then((key) => add(record, provider, principal, key));
  };
}

let lastDay = { start: 0, end: 0, name: "" };

/** "2026-11-29" for a time: one ISO string a day rather than one a call. */
function dayOf(ms: number): string {
  if (ms < lastDay.start || ms >= lastDay.end) {
    const { start } = periodWindow("day", ms);
    lastDay = { start, end: start + 86_400_000, name: new Date(start).toISOString().slice(0, 10) };
  }
  return lastDay.name;
}

async function keyRecord(gw: Gateway, id: string): Promise<VirtualKeyRecord | undefined> {
  const keys = gw.keys;
  if (!keys) return undefined;
  return keys.recent(id) ?? (await keys.get(id)) ?? undefined;
}
