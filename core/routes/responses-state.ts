import { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { cacheTenant, digestHex } from "../cache/key.js";
import { GatewayError, notFound } from "../errors.js";
import type { ResponseItem } from "../formats/responses/index.js";
import type { Gateway } from "../gateway.js";
import { authenticate, type AuthResult } from "../lifecycle/auth.js";
import { storeFailure } from "../lifecycle/store-failure.js";
import { type ResponseStore, ResponseTooLargeError, type StoredResponse } from "../store/types.js";
import type { RequestHeaders } from "../http.js";

/**
 * The Responses API's state: with `store` (the API's default) each response and the items that led
 * to it are kept for 30 days, scoped to the caller — its virtual key, its own provider
 * credential, its gateway token — so `previous_response_id` works for every provider, and
 * GET / DELETE /v1/responses/{id} and its input_items answer from the store. An id of another
 * caller is a 404, as an unknown one.
 */

/** Whose responses these are: the same tenants as the cache's. */
export async function responseTenant(gw: Gateway, auth: AuthResult, headers: RequestHeaders): Promise<string> {
  const own = auth.client.providerKey ?? headers.get("x-aws-access-key-id") ?? undefined;
  return cacheTenant(auth.principal, own ? await digestHex(gw.runtime, own) : undefined);
}

export function responsesStore(gw: Gateway): ResponseStore {
  const store = gw.runtime.store?.responses;
  if (!store) throw new GatewayError(501, "This gateway runs without a store, so it keeps no responses: send store: false, and the whole conversation as input.", "invalid_request_error", "store_unavailable");
  return store;
}

export const responseNotFound = (id: string, param: string | null = null) =>
  notFound(`No response with id '${id.length > 80 ? `${id.slice(0, 80)}…` : id}' found.`, "response_not_found", param);

/** The earlier turn `previous_response_id` names, as the items to put before this turn's input. */
export async function previousItems(gw: Gateway, tenant: string, id: unknown): Promise<ResponseItem[]> {
  if (id === undefined || id === null) return [];
  if (typeof id !== "string" || !id) throw responseNotFound(String(id), "previous_response_id");
  let stored: StoredResponse | null;
  try {
    stored = await responsesStore(gw).get(tenant, id);
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    throw storeFailure(gw, e, "responses");
  }
  if (!stored) throw responseNotFound(id, "previous_response_id");
  const { items, output } = JSON.parse(stored.items) as { items: ResponseItem[]; output: ResponseItem[] };
  return [...items, ...output];
}

/** This turn's input as items: a string is one user message. */
export function inputItems(input: unknown): ResponseItem[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] } as ResponseItem];
  return Array.isArray(input) ? (input as ResponseItem[]) : [];
}

/** Keeps a finished response (deferred work): a failure is a log line, never the request's. */
export function keepResponse(gw: Gateway, tenant: string, response: { id?: unknown; output?: unknown; created_at?: unknown }, items: ResponseItem[], requestId: string) {
  const store = gw.runtime.store?.responses;
  if (!store || typeof response.id !== "string") return;
  const record: StoredResponse = {
    id: response.id,
    tenant,
    createdAt: typeof response.created_at === "number" ? response.created_at * 1000 : Date.now(),
    response: JSON.stringify(response),
    items: JSON.stringify({ items, output: Array.isArray(response.output) ? response.output : [] }),
  };
  const ttl = gw.config.responses.ttlSeconds;
  gw.runtime.defer(
    store.put(record, ttl).catch((e) =>
      gw.runtime.log.warn(e instanceof ResponseTooLargeError ? "response not stored: too large" : "response not stored", { requestId, error: String((e as Error)?.message ?? e) }),
    ),
  );
}

/** GET /v1/responses/{id}, its input_items, DELETE /v1/responses/{id}. */
export function responsesStateApp(gw: Gateway): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const caller = async (headers: Headers) => ({ tenant: await responseTenant(gw, await authenticate(gw, headers), headers), store: responsesStore(gw) });
  const load = async (headers: Headers, id: string) => {
    const { tenant, store } = await caller(headers);
    try {
      return await store.get(tenant, id);
    } catch (e) {
      throw storeFailure(gw, e, "responses");
    }
  };

  app.get("/:id", async (c) => {
    const stored = await load(c.req.raw.headers, c.req.param("id"));
    if (!stored) throw responseNotFound(c.req.param("id"));
    return new Response(stored.response, { headers: { "content-type": "application/json" } });
  });

  app.get("/:id/input_items", async (c) => {
    const stored = await load(c.req.raw.headers, c.req.param("id"));
    if (!stored) throw responseNotFound(c.req.param("id"));
    const { items } = JSON.parse(stored.items) as { items: Array<ResponseItem & { id?: string }> };
    const order = c.req.query("order") === "asc" ? "asc" : "desc";
    const limit = Math.min(100, Math.max(1, Number(c.req.query("limit")) || 20));
    let list = order === "asc" ? items : [...items].reverse();
    const after = c.req.query("after");
    if (after) list = list.slice(list.findIndex((i) => i.id === after) + 1);
    const data = list.slice(0, limit);
    return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: list.length > limit });
  });

  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    const { tenant, store } = await caller(c.req.raw.headers);
    let deleted: boolean;
    try {
      deleted = await store.delete(tenant, id);
    } catch (e) {
      throw storeFailure(gw, e, "responses");
    }
    if (!deleted) throw responseNotFound(id);
    return c.json({ id, object: "response.deleted", deleted: true });
  });
  return app;
}
