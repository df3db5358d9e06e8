import type { RateLimit } from "../config.js";
import { GatewayError, forbidden, serviceUnavailable } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { allowedTargets, matchesAny } from "../keys/models.js";
import type { Call } from "./call.js";
import type { VirtualKeyRecord } from "../store/types.js";
import { takeLocalSlot, takeSharedSlot, type SharedSlot } from "./in-flight.js";
import type { LimitState } from "./limit-state.js";
import type { Target } from "./route.js";
import { storeFailure } from "./store-failure.js";
import { effective, formatDuration, keyCounters, periodWindow, retryAfterMs, spendCounter, type WindowView } from "./windows.js";

/**
 * Rate limits and budgets, checked before any upstream call:
 * - requests per minute (per key, gateway-wide, per provider): an atomic `hit` on the counters
 *   (Gateway.counters: the store's, or this process's own when it is the only one counting);
 * - tokens per minute: the tokens already counted in the window (added after each response from
 *   real usage, see usage.ts); a request is refused once the window holds `tpm` tokens or more;
 * - budget: the key's spend this day / month / in total, in micro-dollars;
 * - maxParallel: requests in flight per key (in-flight.ts).
 * A route that can't count a request's tokens refuses keys with token limits or a budget there.
 * Windows and their arithmetic: windows.ts; the counts a check reads: limit-state.ts.
 * A store error refuses the request with 503: limits fail closed.
 */

interface Check {
  counter: string;
  limit: number;
  /** Who owns the limit, for the message: "This key", "The gateway", `Provider "openai"`. */
  who: string;
}

function stateOf(gw: Gateway): LimitState {
  if (!gw.limits) throw serviceUnavailable("Rate limits are configured but the gateway has no store to count them in; the request was refused.", "store_unavailable");
  return gw.limits;
}

const RATE_HEADER_NAMES = {
  requests: ["x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"],
  tokens: ["x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"],
} as const;

/** Sets the x-ratelimit-* headers of one kind on `headers`. */
function setRateHeaders(headers: Record<string, string>, kind: "requests" | "tokens", limit: number, remaining: number, resetMs: number) {
  const [limitName, remainingName, resetName] = RATE_HEADER_NAMES[kind];
  headers[limitName] = String(limit);
  headers[remainingName] = String(Math.max(0, Math.floor(remaining)));
  headers[resetName] = formatDuration(resetMs);
}

function limited(message: string, code: string, retryMs: number | undefined, headers: Record<string, string>): GatewayError {
  const retry: Record<string, string> = {};
  if (retryMs !== undefined) {
    retry["retry-after"] = String(Math.max(1, Math.ceil(retryMs / 1000)));
    retry["retry-after-ms"] = String(Math.max(1, Math.ceil(retryMs)));
  }
  return new GatewayError(429, message, code === "budget_exceeded" ? "insufficient_quota" : "rate_limit_error", code, null, { ...headers, ...retry });
}

const inFlightRefusal = (count: number, headers: Record<string, string>) =>
  limited(`This key already has ${count} requests in flight, its maximum. Retry when one finishes.`, "rate_limit_exceeded", 1000, headers);

function requestChecks(gw: Gateway, key: VirtualKeyRecord | undefined): { requests: Check[]; tokens: Check[] } {
  const requests: Check[] = [];
  const tokens: Check[] = [];
  const cfg = gw.config.limits;
  if (key?.rpm) requests.push({ counter: keyCounters(key.id).rpm, limit: key.rpm, who: "This key" });
  if (cfg.rpm) requests.push({ counter: "rpm:gateway", limit: cfg.rpm, who: "The gateway" });
  if (key?.tpm) tokens.push({ counter: keyCounters(key.id).tpm, limit: key.tpm, who: "This key" });
  if (cfg.tpm) tokens.push({ counter: "tpm:gateway", limit: cfg.tpm, who: "The gateway" });
  return { requests, tokens };
}

/** What the limits stage needs to know of a request, whatever its route. */
export interface LimitsRequest {
  /** The model as asked for (an alias, "provider/model"); undefined on a pass-through route. */
  model?: string;
  targets: Target[];
  /** The providers a native call (pass-through, universal endpoint) goes to: the key's model globs must allow all of their models. */
  passthrough?: string[];
  /** Why the route can't count this request's tokens, if it can't: a key with token limits or a budget is refused. */
  unmetered?: string;
}

/**
 * The limits stage, before any upstream call: the key's allowed models, then its limits and the
 * gateway's (rpm, tpm, budget, maxParallel), then the per-provider limits, which skip a target at
 * its limit for the next one. Returns the targets left and the x-ratelimit-* headers for the
 * answer (the tightest limit of each kind); the in-flight slot is released when the call finishes.
 * With no limits at all it does nothing (no store call).
 */
export function checkLimits(gw: Gateway, call: Call, req: LimitsRequest): LimitsResult | Promise<LimitsResult> {
  const key = call.auth?.key;
  if (req.passthrough !== undefined && key?.models) for (const p of req.passthrough) checkPassthrough(key, p);
  const targets = req.passthrough !== undefined ? req.targets : allowedTargets(key, req.model ?? "", req.targets);
  if (req.unmetered) refuseUnmetered(gw, key, targets, req.unmetered);
  // The key's limits first: a request it refuses counts toward no provider's. Each stage answers
  // at once when it needs no store read (this process's own counters, no provider limits).
  const headers = keyLimits(gw, call, key);
  return headers instanceof Promise ? headers.then((h) => withProviderLimits(gw, targets, h)) : withProviderLimits(gw, targets, headers);
}

export interface LimitsResult {
  targets: Target[];
  headers: Record<string, string>;
}

function withProviderLimits(gw: Gateway, targets: Target[], headers: Record<string, string>): LimitsResult | Promise<LimitsResult> {
  const left = providerLimits(gw, targets);
  return left instanceof Promise ? left.then((t) => ({ targets: t, headers })) : { targets: left, headers };
}

/** A key or gateway whose limits count tokens can't be served where tokens can't be counted. */
function refuseUnmetered(gw: Gateway, key: VirtualKeyRecord | undefined, targets: Target[], why: string) {
  const cfg = gw.config.limits;
  const counts = key?.tpm ? "This key has a tokens-per-minute limit" : key?.budget ? "This key has a budget" : cfg.tpm ? "The gateway has a tokens-per-minute limit" : undefined;
  const provider = targets.find((t) => cfg.providers[t.route.name]?.tpm)?.route.name;
  const who = counts ?? (provider ? `The gateway limits the tokens per minute of provider "${provider}"` : undefined);
  if (!who) return;
  throw forbidden(`${who}, and the gateway can't count the tokens of this request: ${why}. Use a route that reports usage (the /v1 API, or a non-streamed call), or a key without token limits.`, "unmetered_route");
}

function keyLimits(gw: Gateway, call: Call, key: VirtualKeyRecord | undefined): Record<string, string> | Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const { requests, tokens } = requestChecks(gw, key);
  const budget = key?.budget;
  const parallel = key?.maxParallel;
  if (!requests.length && !tokens.length && !budget && !parallel) return headers;

  const state = stateOf(gw);
  const sliding = gw.config.limits.window === "sliding";
  const now = Date.now();

  // In flight, counted by this process when it is the only one counting (checked first, no store
  // call), else in the store beside the other counters. Released when the call finishes.
  const full = parallel && key && !state.shared ? takeLocalSlot(state, call, key.id, parallel) : undefined;
  if (full !== undefined) throw inFlightRefusal(full, headers);
  const slot = parallel && key && state.shared ? takeSharedSlot(state, key.id, parallel, now) : undefined;

  let known: Counts | undefined;
  try {
    // Counted in memory (this process owns the counters, no shared slot): no store call, no promise.
    known = countsNow(state, requests, tokens, key, now, sliding);
  } catch (e) {
    slot?.then((s) => s.allowed && s.release(), () => {});
    throw storeFailure(gw, e, "limits");
  }
  const check: KeyCheck = { call, key, requests, tokens, now, headers };
  if (known && !slot) return judge(check, known, undefined);
  return Promise.all([known ?? readCounts(state, requests, tokens, key, now, sliding), slot]).then(
    ([counts, slotTaken]) => judge(check, counts, slotTaken),
    (e) => {
      // A slot taken while another count failed is given back.
      slot?.then((s) => s.allowed && s.release(), () => {});
      throw storeFailure(gw, e, "limits");
    },
  );
}

/** One key's limits being checked: what `judge` weighs the counts against. */
interface KeyCheck {
  call: Call;
  key: VirtualKeyRecord | undefined;
  requests: Check[];
  tokens: Check[];
  now: number;
  /** The answer's x-ratelimit-* headers, filled in by `judge`. */
  headers: Record<string, string>;
}

/** The limits against the counts: the x-ratelimit-* headers of the answer, or the refusal. */
function judge({ call, key, requests, tokens, now, headers }: KeyCheck, counts: Counts, slotTaken: SharedSlot | undefined): Record<string, string> {
  const budget = key?.budget;
  const { hits, tokenViews, spent } = counts;
  if (slotTaken?.allowed) call.onFinish(slotTaken.release);

  let refused: GatewayError | undefined;
  let tightest = Infinity;
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    const { w, allowed } = hits[i]!;
    if (!allowed) {
      const wait = retryAfterMs(w, r.limit, 1, now);
      setRateHeaders(headers, "requests", r.limit, 0, w.start + w.ms - now);
      refused ??= limited(`${r.who} has reached its limit of ${r.limit} requests per minute. Retry in ${formatDuration(wait)}.`, "rate_limit_exceeded", wait, headers);
      tightest = -1;
    } else if (r.limit - effective(w) < tightest) {
      tightest = r.limit - effective(w);
      setRateHeaders(headers, "requests", r.limit, tightest, w.start + w.ms - now);
    }
  }

  // Tokens: refuse once the window already holds the limit.
  tightest = Infinity;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const w = tokenViews[i]!;
    const used = effective(w);
    if (t.limit - used < tightest) {
      tightest = t.limit - used;
      setRateHeaders(headers, "tokens", t.limit, t.limit - used, w.start + w.ms - now);
    }
    if (used >= t.limit && !refused) {
      const wait = retryAfterMs(w, t.limit, 1, now);
      refused = limited(`${t.who} has used its ${t.limit} tokens per minute. Retry in ${formatDuration(wait)}.`, "rate_limit_exceeded", wait, headers);
    }
  }

  if (budget && key && !refused && spent >= Math.round(budget.usd * 1_000_000)) {
    const p = periodWindow(budget.period, now);
    const when = p.end ? ` It resets at ${new Date(p.end).toISOString()}.` : "";
    const label = budget.period === "total" ? "total" : budget.period === "day" ? "daily" : "monthly";
    refused = limited(`This key has spent $${(spent / 1e6).toFixed(2)} of its $${budget.usd.toFixed(2)} ${label} budget.${when}`, "budget_exceeded", p.end === undefined ? undefined : p.end - now, headers);
  }
  if (slotTaken && !slotTaken.allowed && !refused) {
    refused = inFlightRefusal(slotTaken.count, headers);
  }
  if (refused) {
    for (const [name, value] of Object.entries(headers)) refused.headers[name] ??= value;
    throw refused;
  }
  return headers;
}

interface Counts {
  hits: Array<{ w: WindowView; allowed: boolean }>;
  tokenViews: WindowView[];
  spent: number;
}

/** Sliding: what the previous window still weighs is taken off this window's allowance, so the atomic hit on the current window enforces prev × weight + current ≤ limit. */
const allowance = (limit: number, w: WindowView) => Math.floor(limit - w.prev * w.weight);

/**
 * The counts from this process's own counters, at once: every read first, then the hits, so an
 * undefined (a spend counter not yet loaded) leaves nothing hit and readCounts starts afresh.
 */
function countsNow(state: LimitState, requests: Check[], tokens: Check[], key: VirtualKeyRecord | undefined, now: number, sliding: boolean): Counts | undefined {
  const local = state.local;
  if (!local) return undefined;
  const budget = key?.budget;
  const spent = budget ? local.peek(spendCounter(key!.id, budget.period), periodWindow(budget.period, now).start) : 0;
  if (spent === undefined) return undefined;
  const tokenViews: WindowView[] = [];
  for (const t of tokens) {
    const w = state.viewNow(t.counter, now, sliding, true);
    if (!w) return undefined;
    tokenViews.push(w);
  }
  const views: WindowView[] = [];
  for (const r of requests) {
    const w = state.viewNow(r.counter, now, sliding, false);
    if (!w) return undefined;
    views.push(w);
  }
  const hits: Counts["hits"] = [];
  for (let i = 0; i < requests.length; i++) {
    const w = views[i]!;
    const res = local.hitNow(requests[i]!.counter, w.start, w.ms, 1, allowance(requests[i]!.limit, w))!;
    w.current = res.count;
    hits.push({ w, allowed: res.allowed });
  }
  return { hits, tokenViews, spent };
}

/** The counts from the store: one round trip, the request counters hit while the token and spend counters are read. */
async function readCounts(state: LimitState, requests: Check[], tokens: Check[], key: VirtualKeyRecord | undefined, now: number, sliding: boolean): Promise<Counts> {
  const budget = key?.budget;
  const [hits, tokenViews, spent] = await Promise.all([
    Promise.all(
      requests.map(async (r) => {
        const w = await state.view(r.counter, now, sliding, false);
        const res = await state.counters.hit(r.counter, w.start, w.ms, 1, allowance(r.limit, w));
        return { w: { ...w, current: res.count }, allowed: res.allowed };
      }),
    ),
    Promise.all(tokens.map((t) => state.view(t.counter, now, sliding, true))),
    budget ? state.count(spendCounter(key!.id, budget.period), periodWindow(budget.period, now).start) : 0,
  ]);
  return { hits, tokenViews, spent };
}

/**
 * A pass-through call (/{provider}/…) names no model the gateway can check, so a key with a
 * model allow-list may use it only when its globs allow every model of that provider ("openai/*", "*").
 */
function checkPassthrough(key: VirtualKeyRecord, provider: string) {
  if (!matchesAny(key.models!, `${provider}/*`)) {
    throw forbidden(`This key may not use the pass-through route of provider "${provider}": its allowed models (${key.models!.join(", ")}) do not include "${provider}/*".`, "model_not_allowed");
  }
}

/**
 * The per-provider limits from config: a target whose provider is at its limit is skipped for the
 * next one (a fallback chain moves on); when none is left, 429.
 */
function providerLimits(gw: Gateway, targets: Target[]): Target[] | Promise<Target[]> {
  const limits = gw.config.limits.providers;
  const first = targets[0];
  const lim: RateLimit | undefined = first && Object.hasOwn(limits, first.route.name) ? limits[first.route.name] : undefined;
  return lim && (lim.rpm || lim.tpm) ? providerLimitsRead(gw, targets) : targets.slice();
}

async function providerLimitsRead(gw: Gateway, targets: Target[]): Promise<Target[]> {
  const limits = gw.config.limits.providers;
  let refused: GatewayError | undefined;
  for (let i = 0; i < targets.length; i++) {
    const lim: RateLimit | undefined = Object.hasOwn(limits, targets[i]!.route.name) ? limits[targets[i]!.route.name] : undefined;
    if (!lim || (!lim.rpm && !lim.tpm)) return targets.slice(i);
    const err = await providerAdmits(gw, targets[i]!.route.name, lim);
    if (!err) return targets.slice(i);
    refused ??= err;
  }
  throw refused!;
}

async function providerAdmits(gw: Gateway, provider: string, lim: RateLimit): Promise<GatewayError | undefined> {
  const state = stateOf(gw);
  const sliding = gw.config.limits.window === "sliding";
  const now = Date.now();
  const who = `Provider "${provider}"`;
  try {
    if (lim.tpm) {
      const w = await state.view(`tpm:provider:${provider}`, now, sliding, true);
      if (effective(w) >= lim.tpm) {
        const wait = retryAfterMs(w, lim.tpm, 1, now);
        return limited(`${who} has used the gateway's ${lim.tpm} tokens per minute for it. Retry in ${formatDuration(wait)}.`, "rate_limit_exceeded", wait, {});
      }
    }
    if (lim.rpm) {
      const counter = `rpm:provider:${provider}`;
      const w = await state.view(counter, now, sliding, false);
      const r = await state.counters.hit(counter, w.start, w.ms, 1, allowance(lim.rpm, w));
      if (!r.allowed) {
        const wait = retryAfterMs({ ...w, current: r.count }, lim.rpm, 1, now);
        return limited(`${who} has reached the gateway's limit of ${lim.rpm} requests per minute for it. Retry in ${formatDuration(wait)}.`, "rate_limit_exceeded", wait, {});
      }
    }
  } catch (e) {
    throw storeFailure(gw, e, "limits");
  }
  return undefined;
}
