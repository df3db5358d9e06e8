import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env.js";
import { sha256, timingSafeEqual } from "../crypto.js";
import { GatewayError, badRequest, notFound, tooLarge, unauthorized } from "../errors.js";
import type { Gateway, ProviderRoute } from "../gateway.js";
import type { KeyPatch, KeySettings } from "../keys/service.js";
import { periodWindow, spendCounter, type Period } from "../lifecycle/windows.js";
import { parseJson } from "../lifecycle/validate.js";
import { storeFailure } from "../lifecycle/store-failure.js";
import { cachePrefixOfKey } from "../store/cache-prefix.js";
import type { LimitStore, UsageRow } from "../store/types.js";
import { adminSchemas, parse } from "./schemas.js";
import { keyView } from "./view.js";
import { logRoutes } from "./logs.js";
import { analyticsRoutes } from "./analytics.js";
import { VERSION } from "../version.js";
import { guardrailRoutes, knownPolicies } from "./guardrails.js";

const MAX_ADMIN_BODY = 64 * 1024;

/**
 * The admin API, mounted at /admin: virtual keys, usage, the request log, analytics and the response cache. Bearer
 * STRAIT_ADMIN_TOKEN only (a token in the URL is never read), compared in constant time; no CORS,
 * so browsers on other origins cannot call it. Without an admin token configured, every admin route answers 404.
 */
export function adminApp(gw: Gateway): Hono<AppEnv> {
  const admin = new Hono<AppEnv>();
  const checkAdmin = adminCheck(gw);

  admin.use("*", async (c, next) => {
    await checkAdmin(c.req.raw.headers);
    if (!gw.keys && c.req.path !== "/admin/health" && !c.req.path.startsWith("/admin/guardrails")) throw new GatewayError(503, "The admin API needs a store, and this gateway runs without one.", "api_error", "store_unavailable");
    await next();
  });
  admin.use("*", bodyLimit({ maxSize: MAX_ADMIN_BODY, onError: () => { throw tooLarge(MAX_ADMIN_BODY); } }));

  const service = () => gw.keys!;
  // Ids the gateway never issues are answered without a store read.
  admin.use("/keys/:id/*", async (c, next) => {
    if (!KEY_ID.test(c.req.param("id"))) throw missing(c.req.param("id"));
    await next();
  });
  admin.use("/keys/:id", async (c, next) => {
    if (!KEY_ID.test(c.req.param("id"))) throw missing(c.req.param("id"));
    await next();
  });
  const body = async (c: Context<AppEnv>) => parseJson(await c.req.text());

  admin.post("/keys", async (c) => {
    const input = parse(adminSchemas().CreateKeySchema, await body(c));
    knownPolicies(gw, input.guardrails);
    const settings = { ...input, credentials: canonicalProviders(gw, input.credentials) } as KeySettings;
    const { record, key } = await store(gw, () => service().create(settings));
    return c.json({ ...keyView(record), key }, 201);
  });

  admin.get("/keys", async (c) => {
    const q = parse(adminSchemas().ListQuerySchema, c.req.query(), "query");
    const page = await store(gw, () => service().list(q.cursor, q.limit ?? 20));
    return c.json({ object: "list", data: page.items.map(keyView), nextCursor: page.cursor ?? null, hasMore: page.cursor !== undefined });
  });

  admin.get("/keys/:id", async (c) => {
    const s = service();
    const record = await store(gw, () => s.get(c.req.param("id")));
    if (!record) throw missing(c.req.param("id"));
    return c.json({ ...keyView(record), spend: await store(gw, () => spendOf(gw.counters!, record.id)) });
  });

  admin.patch("/keys/:id", async (c) => {
    const patch = parse(adminSchemas().UpdateKeySchema, await body(c)) as KeyPatch;
    knownPolicies(gw, patch.guardrails ?? undefined);
    if (patch.credentials) patch.credentials = canonicalProviders(gw, patch.credentials);
    const record = await store(gw, () => service().update(c.req.param("id"), patch));
    if (!record) throw missing(c.req.param("id"));
    return c.json(keyView(record));
  });

  admin.delete("/keys/:id", async (c) => {
    const deleted = await store(gw, () => service().delete(c.req.param("id")));
    if (!deleted) throw missing(c.req.param("id"));
    return c.json({ id: c.req.param("id"), object: "virtual_key", deleted: true });
  });

  admin.post("/keys/:id/rotate", async (c) => {
    const issued = await store(gw, () => service().rotate(c.req.param("id")));
    if (!issued) throw missing(c.req.param("id"));
    return c.json({ ...keyView(issued.record), key: issued.key });
  });

  admin.get("/usage", async (c) => {
    const q = parse(adminSchemas().UsageQuerySchema, c.req.query(), "query");
    if (q.from && q.to && q.from > q.to) throw badRequest("Query parameter 'from' is after 'to'.", "from", "invalid_value");
    const rows = await store(gw, () => service().store.usage.query({ keyId: q.key, from: q.from, to: q.to }));
    return c.json({ object: "list", data: rows.map(usageView), totals: totals(rows) });
  });

  admin.delete("/cache", async (c) => {
    const q = parse(adminSchemas().CachePurgeQuerySchema, c.req.query(), "query");
    if (q.key !== undefined && !KEY_ID.test(q.key)) throw missing(q.key, "key");
    const prefix = q.key === undefined ? undefined : cachePrefixOfKey(q.key);
    const deleted = await store(gw, () => gw.cache!.purge(prefix));
    return c.json({ object: "cache.purge", deleted });
  });

  logRoutes(admin, gw);
  analyticsRoutes(admin, gw);
  guardrailRoutes(admin, gw);

  // This process's view: each Lambda instance or Worker isolate keeps its own breakers.
  admin.get("/health", (c) =>
    c.json({
      status: "ok",
      version: VERSION,
      store: gw.runtime.store?.kind ?? (gw.runtime.store ? "custom" : "none"),
      providers: gw.routeNames().map((name) => providerView(gw.route(name)!)),
      breaker: gw.config.breaker,
      targets: gw.breakers.view(),
    }),
  );

  return admin;
}

/** A check of the admin token (Bearer, constant time): throws 404 when the admin API is off, 401 when the token is missing or wrong. */
export function adminCheck(gw: Gateway): (headers: Headers) => Promise<void> {
  const expected = gw.config.admin.token ? sha256(gw.config.admin.token) : undefined;
  return async (headers) => {
    if (!expected) throw notFound("The admin API is disabled on this gateway: set STRAIT_ADMIN_TOKEN to enable it.", "admin_disabled");
    const m = /^Bearer\s+(.+)$/i.exec(headers.get("authorization")?.trim() ?? "");
    if (!m) throw unauthorized("Missing admin token: send Authorization: Bearer <STRAIT_ADMIN_TOKEN>. A token in the URL is never accepted.", "missing_admin_token");
    if (!timingSafeEqual(await sha256(m[1]!.trim()), await expected)) throw unauthorized("The admin token is not valid.", "invalid_admin_token");
  };
}

const KEY_ID = /^key_[0-9A-Za-z]{1,64}$/;
const missing = (id: string, param = "id") => notFound(`No virtual key with id "${id.length > 80 ? `${id.slice(0, 80)}…` : id}".`, "key_not_found", param);

/** A store failure in the admin API is a 503 with a clear message, logged like the request path's. */
async function store<T>(gw: Gateway, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    throw storeFailure(gw, e, "admin");
  }
}

/** A provider as the health page shows it: whether the gateway holds a key for it (never the key). */
function providerView(route: ProviderRoute) {
  const p = route.provider;
  const credential = route.pool.size > 0 ? "configured" : !p.needsCredential ? "not needed" : p.ambientCredential ? "environment or role" : "caller's own";
  return { name: route.name, type: p.id, hasKey: route.pool.size > 0, keys: route.pool.size, credential };
}

/** Bound credentials are stored under the provider's configured name ("bedrock" → "aws-bedrock"). */
function canonicalProviders(gw: Gateway, creds: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!creds) return creds;
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(creds)) {
    const route = gw.route(name);
    if (!route) throw badRequest(`Unknown provider "${name}" in credentials. Providers: ${gw.routeNames().join(", ")}.`, `credentials.${name}`, "invalid_value");
    out[route.name] = key;
  }
  return out;
}

async function spendOf(counters: LimitStore, id: string) {
  const now = Date.now();
  const periods: Period[] = ["day", "month", "total"];
  const micros = await Promise.all(periods.map((p) => counters.get(spendCounter(id, p), periodWindow(p, now).start)));
  return Object.fromEntries(periods.map((p, i) => [p, micros[i]! / 1e6])) as Record<Period, number>;
}

function usageView(r: UsageRow) {
  return { key: r.keyId, day: r.day, model: r.model, requests: r.requests, cacheHits: r.cacheHits, tokensIn: r.tokensIn, tokensOut: r.tokensOut, costUsd: r.costMicros / 1e6 };
}

function totals(rows: UsageRow[]) {
  const t = { requests: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, costMicros: 0 };
  for (const r of rows) {
    t.requests += r.requests;
    t.cacheHits += r.cacheHits;
    t.tokensIn += r.tokensIn;
    t.tokensOut += r.tokensOut;
    t.costMicros += r.costMicros;
  }
  return { requests: t.requests, cacheHits: t.cacheHits, tokensIn: t.tokensIn, tokensOut: t.tokensOut, costUsd: t.costMicros / 1e6 };
}
