import type { RateLimit } from "../config.js";
import { GatewayError, forbidden, serviceUnavailable } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { allowedTargets, matchesAny } from "../keys/models.js";
import type { Call } from "./call.js";
import type { LimitStore, VirtualKeyRecord } from "../store/types.js";
import type { ProcessCounters } from "./counters.js";
import type { Target } from "./route.js";
import { storeFailure } from "./store-failure.js";

/**
 * Rate limits and budgets, checked before any upstream call:
 * - requests per minute (per key, gateway-wide, per provider): an atomic `hit` on the counters
 *   (Gateway.counters: the store's, or this process's own when it is the only one counting);
 * - tokens per minute: the tokens already counted in the window (added after each response from
 *   real usage, see usage.ts); a request is refused once the window holds `tpm` tokens or more;
 * - budget: the key's spend this day / month / in total, in micro-dollars;
 * - maxParallel: requests in flight per key, counted in this process only.
 * A route that can't count a request's tokens refuses keys with token limits or a budget there.
 * Sliding windows weigh the previous minute by how much of it still overlaps the last 60 s.
 * A store error refuses the request with 503: limits fail closed.
 */

export const MINUTE_MS = 60_000;
/** How long after a window ends its count is still re-read rather than kept. */
const SETTLE_MS = 2_000;

export type Period = "day" | "month" | "total";

interface PeriodSpan {
  start: number;
  ms: number;
  end?: number;
}

/** The last span computed per period: every keyed request asks for one, and it changes once a day. */
const lastSpan = new Map<Period, PeriodSpan>();

/** Start of the budget period holding `now` (UTC) and a span long enough to keep its counter. */
export function periodWindow(period: Period, now: number): PeriodSpan {
  const known = lastSpan.get(period);
  if (known && now >= known.start && (known.end === undefined || now < known.end)) return known;
  const span = computePeriod(period, now);
  lastSpan.set(period, span);
  return span;
}

function computePeriod(period: Period, now: number): PeriodSpan {
  const d = new Date(now);
  if (period === "day") {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { start, ms: 86_400_000, end: start + 86_400_000 };
  }
  if (period === "month") {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return { start, ms: 31 * 86_400_000, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
  }
  return { start: 0, ms: 1000 * 365 * 86_400_000 };
}

interface KeyCounterNames {
  rpm: string;
  inFlight: string;
  tpm: string;
  spend: Record<Period, string>;
}

const keyCounterNames = new Map<string, KeyCounterNames>();

/** A key's counter names, built once: every keyed request names them (and a Map hashes a string it has seen at once). */
export function keyCounters(keyId: string): KeyCounterNames {
  let names = keyCounterNames.get(keyId);
  if (!names) {
    if (keyCounterNames.size >= 50_000) keyCounterNames.clear();
    names = { rpm: `rpm:key:${keyId}`, inFlight: `inflight:key:${keyId}`, tpm: `tpm:key:${keyId}`, spend: { day: `spend:${keyId}:day`, month: `spend:${keyId}:month`, total: `spend:${keyId}:total` } };
    keyCounterNames.set(keyId, names);
  }
  return names;
}

export const spendCounter = (keyId: string, period: Period) => keyCounters(keyId).spend[period];

/** One rate window as seen at `now`: the counts and how much of the previous window still counts. */
export interface WindowView {
  start: number;
  ms: number;
  prev: number;
  current: number;
  /** Weight of the previous window: 1 - elapsed/ms when sliding, 0 when fixed. */
  weight: number;
}

export function windowStart(now: number, ms: number): number {
  return now - (now % ms);
}

export const effective = (w: WindowView) => w.prev * w.weight + w.current;

/** Milliseconds until `cost` more fits under `limit` if nothing else arrives. */
export function retryAfterMs(w: WindowView, limit: number, cost: number, now: number): number {
  const toEnd = w.start + w.ms - now;
  if (w.weight === 0 || w.current + cost > limit) {
    if (w.weight === 0 || w.current === 0) return Math.max(0, toEnd);
    // Next window: this window's count becomes the previous one and fades out.
    const fade = w.current > limit - cost ? w.ms * (1 - (limit - cost) / w.current) : 0;
    return Math.max(0, toEnd + fade);
  }
  if (w.prev <= 0) return 0;
  const elapsedNeeded = w.ms * (1 - (limit - cost - w.current) / w.prev);
  return Math.max(0, w.start + elapsedNeeded - now);
}

/** OpenAI's style for x-ratelimit-reset-*: "20ms", "7s", "6m0s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}

interface Check {
  counter: string;
  limit: number;
  /** Who owns the limit, for the message: "This key", "The gateway", `Provider "openai"`. */
  who: string;
}

/** How old a token or spend count read from a shared store may be before it is read again. */
export const SHARED_COUNT_FRESH_MS = 1_000;

/**
 * Per-gateway state (Gateway.limits): closed windows' final counts, recent token and spend counts,
 * and in-flight requests per key.
 */
export class LimitState {
  private readonly prevCounts = new Map<string, number>();
  private readonly recent = new Map<string, { n: number; at: number; refreshing?: boolean }>();
  readonly inFlight = new Map<string, number>();

  /**
   * `shared`: the counters are a store other hosts count in too (DynamoDB, the Durable Object).
   * Then the token and spend counts a check reads (not the request counters it hits, which stay
   * atomic) are kept for SHARED_COUNT_FRESH_MS and refreshed behind the answer, and this host's
   * own additions land in them at once: a steady stream of requests costs one store round trip
   * each (the rpm hit), and other hosts' tokens are seen within a second.
   */
  constructor(
    readonly counters: LimitStore,
    readonly shared = false,
    readonly defer: (work: Promise<unknown>) => void = (work) => void work.catch(() => {}),
    /** The same counters when this process owns them: a check then settles at once, without a promise. */
    readonly local?: ProcessCounters,
  ) {}

  /**
   * A window read at once from this process's counters; undefined when it isn't in memory (a
   * long-lived counter not yet read) or the counters are a store's. A closed rate window is
   * still in memory (kept two windows), and one this process never counted holds nothing.
   */
  viewNow(counter: string, now: number, sliding: boolean, readCurrent: boolean): WindowView | undefined {
    if (!this.local) return undefined;
    const start = windowStart(now, MINUTE_MS);
    const prev = sliding ? this.local.peek(counter, start - MINUTE_MS) : 0;
    const current = readCurrent ? this.local.peek(counter, start) : 0;
    if (prev === undefined || current === undefined) return undefined;
    return { start, ms: MINUTE_MS, prev, current, weight: sliding ? 1 - (now - start) / MINUTE_MS : 0 };
  }

  /** The current count of a token or spend window, as fresh as `shared` allows. */
  async count(counter: string, start: number): Promise<number> {
    if (!this.shared) return this.counters.get(counter, start);
    const id = `${counter}\u0000${start}`;
    const known = this.recent.get(id);
    const now = Date.now();
    if (known && now - known.at < SHARED_COUNT_FRESH_MS) return known.n;
    if (known) {
      if (!known.refreshing) {
        known.refreshing = true;
        this.defer(this.read(id, counter, start));
      }
      return known.n;
    }
    return this.read(id, counter, start);
  }

  /** This host added to a counter and the store answered its new total. */
  added(counter: string, start: number, total: number) {
    if (this.shared) this.remember(`${counter}\u0000${start}`, total);
  }

  private async read(id: string, counter: string, start: number): Promise<number> {
    try {
      const n = await this.counters.get(counter, start);
      this.remember(id, n);
      return n;
    } finally {
      const r = this.recent.get(id);
      if (r) r.refreshing = false;
    }
  }

  private remember(id: string, n: number) {
    if (this.recent.size >= 50_000) this.recent.clear();
    this.recent.set(id, { n, at: Date.now() });
  }

  /**
   * The count of a window that has ended: read, then kept, since it no longer changes — except
   * just after the boundary, when hits that started before it may still be landing.
   */
  async closed(counter: string, start: number, now: number): Promise<number> {
    const id = `${counter}\u0000${start}`;
    const known = this.prevCounts.get(id);
    if (known !== undefined) return known;
    const n = await this.counters.get(counter, start);
    if (now - (start + MINUTE_MS) >= SETTLE_MS) {
      if (this.prevCounts.size >= 50_000) this.prevCounts.clear();
      this.prevCounts.set(id, n);
    }
    return n;
  }

  async view(counter: string, now: number, sliding: boolean, readCurrent: boolean): Promise<WindowView> {
    const start = windowStart(now, MINUTE_MS);
    const [prev, current] = await Promise.all([
      sliding ? this.closed(counter, start - MINUTE_MS, now) : 0,
      readCurrent ? this.count(counter, start) : 0,
    ]);
    return { start, ms: MINUTE_MS, prev, current, weight: sliding ? 1 - (now - start) / MINUTE_MS : 0 };
  }
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
  /** A pass-through route's provider: the key's model globs must allow all of its models. */
  passthrough?: string;
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
export async function checkLimits(gw: Gateway, call: Call, req: LimitsRequest): Promise<{ targets: Target[]; headers: Record<string, string> }> {
  const key = call.auth?.key;
  if (req.passthrough !== undefined && key?.models) checkPassthrough(key, req.passthrough);
  const targets = req.passthrough !== undefined ? req.targets : allowedTargets(key, req.model ?? "", req.targets);
  if (req.unmetered) refuseUnmetered(gw, key, targets, req.unmetered);
  const headers = await keyLimits(gw, call, key);
  return { targets: await providerLimits(gw, targets), headers };
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

async function keyLimits(gw: Gateway, call: Call, key: VirtualKeyRecord | undefined): Promise<Record<string, string>> {
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
  if (parallel && key && !state.shared) takeLocalSlot(state, call, key.id, parallel, headers);
  const slot = parallel && key && state.shared ? takeSharedSlot(state, key.id, parallel, now) : undefined;

  let counts: Counts;
  let slotTaken: SharedSlot | undefined;
  try {
    [counts, slotTaken] = await Promise.all([countsNow(state, requests, tokens, key, now, sliding) ?? readCounts(state, requests, tokens, key, now, sliding), slot]);
  } catch (e) {
    // A slot taken while another count failed is given back.
    slot?.then((s) => s.allowed && s.release(), () => {});
    throw storeFailure(gw, e, "limits");
  }
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
    refused = limited(`This key already has ${slotTaken.count} requests in flight, its maximum. Retry when one finishes.`, "rate_limit_exceeded", 1000, headers);
  }
  if (refused) {
    for (const [name, value] of Object.entries(headers)) refused.headers[name] ??= value;
    throw refused;
  }
  return headers;
}

function takeLocalSlot(state: LimitState, call: Call, keyId: string, parallel: number, headers: Record<string, string>) {
  const running = state.inFlight.get(keyId) ?? 0;
  if (running >= parallel) {
    throw limited(`This key already has ${running} requests in flight, its maximum. Retry when one finishes.`, "rate_limit_exceeded", 1000, headers);
  }
  state.inFlight.set(keyId, running + 1);
  call.onFinish(() => {
    const n = (state.inFlight.get(keyId) ?? 1) - 1;
    if (n > 0) state.inFlight.set(keyId, n);
    else state.inFlight.delete(keyId);
  });
}

/**
 * In-flight counts in a shared store are kept in windows of SLOT_WINDOW_MS, the longest a Lambda
 * invocation lives: a call counts in the window it started in, and a check counts the current
 * window and the one before. A slot an instance never gave back (it crashed) is gone with its
 * window's counter, within two windows.
 */
export const SLOT_WINDOW_MS = 15 * MINUTE_MS;

interface SharedSlot {
  allowed: boolean;
  count: number;
  release(): void;
}

/** Takes one of the key's `parallel` slots in the store: the previous window's count (kept a second, like token counts) is taken off the limit of an atomic hit. */
async function takeSharedSlot(state: LimitState, keyId: string, parallel: number, now: number): Promise<SharedSlot> {
  const counter = keyCounters(keyId).inFlight;
  const start = windowStart(now, SLOT_WINDOW_MS);
  const before = Math.max(0, await state.count(counter, start - SLOT_WINDOW_MS));
  const r = await state.counters.hit(counter, start, SLOT_WINDOW_MS, 1, parallel - before);
  return {
    allowed: r.allowed,
    count: r.count + before,
    release: () => state.defer(state.counters.add(counter, start, SLOT_WINDOW_MS, -1)),
  };
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
async function providerLimits(gw: Gateway, targets: Target[]): Promise<Target[]> {
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
