/**
 * The Worker bench/cf-logs.ts runs in workerd: the request log written and listed through the
 * Cloudflare store (StoreObject SQLite, sharded) and, for comparison, the same table in one D1
 * database. POST /<op> with JSON; the bench times each call from outside.
 */
import { cloudflareStore, type DurableObjectNamespaceLike, type KV } from "../core/store/cloudflare/index.js";
import { LOG_SCHEMA } from "../core/store/cloudflare/log-table.js";
import type { LogEntry, LogFilter } from "../core/store/types.js";

export { StoreObject } from "../core/store/cloudflare/index.js";

interface D1Statement {
  bind(...values: unknown[]): D1Statement;
  run(): Promise<unknown>;
  all<T>(): Promise<{ results: T[] }>;
}
interface D1 {
  prepare(sql: string): D1Statement;
  batch(statements: D1Statement[]): Promise<unknown>;
}
interface Env {
  STRAIT_KV: KV;
  STRAIT_OBJECTS: DurableObjectNamespaceLike;
  DB: D1;
}

const KEYS = 100;

/** Entry `i` of a run: one of 100 keys, 1 in 20 tagged, 1 in 10 a 5xx, a 1 KB request body. */
function entry(i: number, at: number): LogEntry {
  const tagged = i % 20 === 0;
  return {
    id: `${String(at).padStart(13, "0")}${String(i).padStart(13, "0")}`,
    at,
    expiresAt: Date.now() + 86_400_000,
    keyId: `key_${i % KEYS}`,
    principal: `key_${i % KEYS}`,
    route: "chat",
    provider: "openai",
    model: "gpt-4o-mini",
    status: i % 10 === 0 ? 502 : 200,
    stream: true,
    tokens: { in: 120, out: 340, cachedRead: 0, cachedWrite: 0, reasoning: 0 },
    costMicros: 25,
    priced: true,
    durationMs: 480,
    retries: 0,
    metadata: tagged ? { team: "search", run: "tagged" } : { team: "search" },
    requestBody: "x".repeat(1024),
  };
}

const D1_INSERT = "INSERT OR REPLACE INTO logs (id, at, expires_at, key_id, provider, model, served_model, status, cache, metadata, entry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const d1Row = (e: LogEntry) => [e.id, e.at, e.expiresAt, e.keyId ?? null, e.provider ?? null, e.model ?? null, e.servedModel ?? null, e.status, e.cache ?? null, JSON.stringify(e.metadata), JSON.stringify(e)];

/** The WHERE the StoreObject builds for these filters (log-table.ts), written out for D1. */
function d1Where(f: LogFilter): { sql: string; params: unknown[] } {
  if (f.keyId) return { sql: "AND key_id = ?", params: [f.keyId] };
  if (f.metadata) return { sql: "AND EXISTS (SELECT 1 FROM json_each(logs.metadata) AS m WHERE m.key = ? AND m.value = ?)", params: [f.metadata.name, f.metadata.value] };
  if (f.statusClass) return { sql: "AND status >= ? AND status < ?", params: [f.statusClass * 100, f.statusClass * 100 + 100] };
  return { sql: "", params: [] };
}

/** Runs `tasks` with at most `concurrency` at once. */
async function pool(tasks: Array<() => Promise<unknown>>, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < tasks.length) await tasks[next++]!();
  }));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const op = new URL(request.url).pathname.slice(1);
    const input = (await request.json()) as { from: number; n: number; batch: number; concurrency: number; filter: LogFilter };
    const logs = cloudflareStore({ kv: env.STRAIT_KV, objects: env.STRAIT_OBJECTS }).logs!;
    const batches = () => {
      const out: LogEntry[][] = [];
      for (let i = input.from; i < input.from + input.n; i += input.batch) {
        out.push(Array.from({ length: Math.min(input.batch, input.from + input.n - i) }, (_, j) => entry(i + j, 1_800_000_000_000 + i + j)));
      }
      return out;
    };
    switch (op) {
      case "d1-schema":
        for (const statement of LOG_SCHEMA.split(";").map((s) => s.trim()).filter(Boolean)) await env.DB.prepare(statement).run();
        return Response.json({});
      case "do-put":
        await pool(batches().map((b) => () => logs.put(b)), input.concurrency);
        return Response.json({});
      case "d1-put": {
        const insert = env.DB.prepare(D1_INSERT);
        await pool(batches().map((b) => () => env.DB.batch(b.map((e) => insert.bind(...d1Row(e))))), input.concurrency);
        return Response.json({});
      }
      case "do-list":
        return Response.json({ items: (await logs.list(input.filter, undefined, 50)).items.length });
      case "d1-list": {
        const { sql, params } = d1Where(input.filter);
        const rows = await env.DB.prepare(`SELECT entry FROM logs WHERE expires_at > ? ${sql} ORDER BY at DESC, id DESC LIMIT 51`).bind(Date.now(), ...params).all<{ entry: string }>();
        return Response.json({ items: rows.results.map((r) => JSON.parse(r.entry)).slice(0, 50).length });
      }
      default:
        return new Response("unknown op", { status: 404 });
    }
  },
};
