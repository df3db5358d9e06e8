import { canonicalJson, cacheTenant, digestHex, targetsName } from "../cache/key.js";
import type { CachedAnswer } from "../cache/entry.js";
import { recordBody } from "../cache/record.js";
import { CACHE_TTL_MAX, CACHE_TTL_MIN } from "../config.js";
import { badRequest } from "../errors.js";
import type { Gateway } from "../gateway.js";
import type { Call } from "./call.js";
import type { RouteRequest } from "./stages.js";
import type { Target } from "./route.js";
import type { RequestHeaders } from "../http.js";
import { wholeResponse } from "../response-parts.js";

export type CacheStatus = "HIT" | "MISS" | "BYPASS";

/** The cache stage's verdict for one call. */
export interface CacheLookup {
  status: CacheStatus;
  /** On a HIT: the stored answer. */
  hit?: CachedAnswer;
  /** On a MISS: where the answer goes once complete, and for how long. */
  key?: string;
  ttlSeconds?: number;
}

const MAX_CUSTOM_KEY = 1024;
/** Answer headers that belong to one request, never to a stored answer. */
const PER_REQUEST = /^(?:x-request-id|x-upstream-request-id|request-id|x-amzn-requestid|apim-request-id|x-ratelimit-|anthropic-ratelimit-|retry-after|cf-aig-|openai-processing-ms)/;

/**
 * The cache stage, after the limits (a hit counts toward the caller's rpm) and before the attempt
 * loop. Caching applies when the request (cf-aig-cache-ttl), its virtual key, its model alias or
 * the gateway sets a TTL — precedence in that order — and `cf-aig-skip-cache: true` bypasses it.
 * Undefined when caching does not apply: no header, no store read. `options` holds the cf-aig-*
 * settings (the request's headers; a universal-endpoint request's first step's over them).
 */
export function lookupCache(gw: Gateway, call: Call, req: RouteRequest, targets: readonly Target[], options: RequestHeaders): CacheLookup | undefined | Promise<CacheLookup | undefined> {
  const skip = flag(options.get("cf-aig-skip-cache"));
  const ttlSeconds = ttlHeader(options.get("cf-aig-cache-ttl")) ?? call.auth?.key?.cacheTtlSeconds ?? aliasTtl(gw, req.model) ?? gw.config.cache.ttlSeconds;
  // Decided without the store: answered at once, no promise.
  if (ttlSeconds === undefined && !skip) return undefined;
  if (skip || !gw.cache || !req.cacheMaterial) return { status: "BYPASS" };
  return readCache(gw, call, req, req.cacheMaterial, targets, options, ttlSeconds!);
}

async function readCache(gw: Gateway, call: Call, req: RouteRequest, material: () => string, targets: readonly Target[], options: RequestHeaders, ttlSeconds: number): Promise<CacheLookup> {
  const auth = call.auth!;
  const own = auth.client.providerKey ?? options.get("x-aws-access-key-id") ?? undefined;
  const ownHash = own ? await digestHex(gw.runtime, own) : undefined;
  const custom = options.get("cf-aig-cache-key");
  if (custom !== null && (custom.length === 0 || custom.length > MAX_CUSTOM_KEY)) throw badRequest(`cf-aig-cache-key must be 1 to ${MAX_CUSTOM_KEY} characters.`, "cf-aig-cache-key");
  // A custom key stands for the request, but a streamed and a JSON answer never share an entry.
  const identity = custom !== null ? `custom\n${custom}` : `${targetsName(targets)}\n${material()}`;
  // An answer is replayed only under the guardrail policies it was checked by.
  const guarded = call.guard ? `guardrails:${call.guard.set.id}\n` : "";
  const key = `${cacheTenant(auth.principal, ownHash)}/${await digestHex(gw.runtime, `${call.record.endpoint}\n${req.stream ? "stream" : "json"}\n${ownHash ?? ""}\n${guarded}${identity}`)}`;

  const hit = await gw.cache!.get(key, call.record.requestId);
  return hit ? { status: "HIT", hit } : { status: "MISS", key, ttlSeconds };
}

/** A cached answer as this call's response; the call is finished as a hit (no provider tokens spent). */
export function replay(hit: CachedAnswer, call: Call, headers: Record<string, string>): Response {
  call.record.provider = hit.provider;
  call.model = hit.model;
  call.record.stream = hit.stream;
  call.finish({ status: hit.status, usage: hit.usage });
  return wholeResponse(hit.body, hit.status, Object.assign(headers, hit.headers));
}

/**
 * On a MISS: the response, its body recorded as it passes, stored once it ended whole — a 2xx
 * answer whose call finished without an error (not cut, not cancelled, no error event, not
 * flagged). Stored as deferred work; a failed or oversized write is a log line, never the
 * request's failure.
 */
export function storeWhenComplete(gw: Gateway, call: Call, lookup: CacheLookup, res: Response): Response {
  const cache = gw.cache;
  if (!cache || !lookup.key || res.status >= 300 || !res.body) return res;
  const body = recordBody(res.body, cache.maxRecordedBytes, (bytes) => {
    const r = call.record;
    if (!bytes || !call.done || r.status >= 300 || r.error || call.guard?.flagged) return;
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (!PER_REQUEST.test(k)) headers[k] = v;
    });
    const answer: CachedAnswer = { status: r.status, headers, stream: r.stream, provider: r.provider, model: r.model, usage: r.usage, storedAt: Date.now(), body: bytes };
    gw.runtime.defer(
      cache.put(lookup.key!, answer, lookup.ttlSeconds!, r.requestId).catch((e) => gw.runtime.log.warn("cache write failed", { requestId: r.requestId, error: String((e as Error)?.message ?? e) })),
    );
  });
  return new Response(body, { status: res.status, headers: res.headers });
}

/** A route's cache material for a JSON body: its canonical text. */
export const jsonMaterial = (body: unknown) => () => canonicalJson(body);

function flag(raw: string | null): boolean {
  if (raw === null) return false;
  const v = raw.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  throw badRequest("cf-aig-skip-cache must be true or false.", "cf-aig-skip-cache");
}

function ttlHeader(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const n = /^\d{1,8}$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < CACHE_TTL_MIN || n > CACHE_TTL_MAX) {
    throw badRequest(`cf-aig-cache-ttl must be whole seconds from ${CACHE_TTL_MIN} to ${CACHE_TTL_MAX} (30 days).`, "cf-aig-cache-ttl");
  }
  return n;
}

function aliasTtl(gw: Gateway, model: string | undefined): number | undefined {
  return model !== undefined && Object.hasOwn(gw.config.models, model) ? gw.config.models[model]!.cacheTtlSeconds : undefined;
}
