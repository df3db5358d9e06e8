import { Hono } from "hono";
import { guarded, LOG_ID, missingLog } from "../admin/logs.js";
import { logView } from "../admin/log-view.js";
import { adminSchemas, parse } from "../admin/schemas.js";
import type { AppEnv } from "../app-env.js";
import { notFound, forbidden } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { authenticate } from "../lifecycle/auth.js";
import { parseJson } from "../lifecycle/validate.js";
import type { LogEntry } from "../store/types.js";

/**
 * /v1/logs/{id}: a virtual key reads its own log entries and gives feedback on them (Cloudflare AI
 * Gateway's clients patch feedback onto cf-aig-log-id). Another key's entry, or one of a gateway
 * token, is answered as missing: an id never tells whether it exists elsewhere.
 */
export function ownLogsApp(gw: Gateway): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const own = async (headers: Headers, id: string): Promise<LogEntry> => {
    const auth = await authenticate(gw, headers);
    if (!auth.key) throw forbidden("Only a virtual key reads its log entries here; an admin reads any entry at GET /admin/logs/{id}.", "virtual_key_required");
    const logs = gw.logs;
    if (!logs) throw notFound("The request log is off on this gateway.", "logs_disabled");
    const entry = LOG_ID.test(id) ? await guarded(gw, () => logs.get(id)) : null;
    if (!entry || entry.keyId !== auth.key.id) throw missingLog(id);
    return entry;
  };

  app.get("/:id", async (c) => c.json(logView(await own(c.req.raw.headers, c.req.param("id")), true)));

  app.patch("/:id", async (c) => {
    const id = c.req.param("id");
    await own(c.req.raw.headers, id);
    const patch = parse(adminSchemas().OwnLogPatchSchema, parseJson(await c.req.text()));
    const entry = await guarded(gw, () => gw.logs!.patch(id, patch));
    if (!entry) throw missingLog(id);
    return c.json(logView(entry, true));
  });

  return app;
}
