import type { Hono } from "hono";
import type { AppEnv } from "../app-env.js";
import { badRequest, GatewayError, notFound } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { parseJson } from "../lifecycle/validate.js";
import { storeFailure } from "../lifecycle/store-failure.js";
import type { LogStore } from "../store/types.js";
import { logFilter, logView } from "./log-view.js";
import { adminSchemas, parse } from "./schemas.js";

/** Log ids are ULIDs: anything else is answered without a store read. */
export const LOG_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const missingLog = (id: string) => notFound(`No log entry with id "${id.length > 40 ? `${id.slice(0, 40)}…` : id}" (or it has expired).`, "log_not_found", "id");

/** GET/PATCH/DELETE /admin/logs: the request log, newest first, filtered; feedback on an entry. */
export function logRoutes(admin: Hono<AppEnv>, gw: Gateway) {
  const logs = (): LogStore => {
    if (!gw.logs) throw notFound("The request log is off on this gateway: its store keeps no log, or logs.enabled is false (STRAIT_LOGS).", "logs_disabled");
    return gw.logs;
  };

  admin.get("/logs", async (c) => {
    const q = parse(adminSchemas().LogsQuerySchema, c.req.query(), "query");
    const store = logs();
    const page = await guarded(gw, () => store.list(logFilter(q), q.cursor, q.limit ?? 50));
    return c.json({ object: "list", data: page.items.map((e) => logView(e, false)), nextCursor: page.cursor ?? null, hasMore: page.cursor !== undefined });
  });

  admin.get("/logs/:id", async (c) => {
    const id = c.req.param("id");
    const store = logs();
    const entry = LOG_ID.test(id) ? await guarded(gw, () => store.get(id)) : null;
    if (!entry) throw missingLog(id);
    return c.json(logView(entry, true));
  });

  admin.patch("/logs/:id", async (c) => {
    const id = c.req.param("id");
    const patch = parse(adminSchemas().LogPatchSchema, parseJson(await c.req.text()));
    const store = logs();
    const entry = LOG_ID.test(id) ? await guarded(gw, () => store.patch(id, patch)) : null;
    if (!entry) throw missingLog(id);
    return c.json(logView(entry, true));
  });

  admin.delete("/logs/:id", async (c) => {
    const id = c.req.param("id");
    const store = logs();
    const deleted = LOG_ID.test(id) && (await guarded(gw, () => store.delete(id)));
    if (!deleted) throw missingLog(id);
    return c.json({ id, object: "log", deleted: true });
  });
}

/** A store failure is a 503; a cursor the store can't read is the caller's 400. */
export async function guarded<T>(gw: Gateway, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    if (e instanceof RangeError) throw badRequest(`Invalid cursor: ${e.message}. Pass back the nextCursor of the previous page unchanged.`, "cursor", "invalid_value");
    throw storeFailure(gw, e, "admin");
  }
}
