/** Shared by the keys/admin/limits/cli integration tests: the real server with a chosen store. */
import { loadConfig } from "../../core/config.js";
import type { Logger } from "../../core/runtime.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";
import { startServer, type RunningServer } from "../../functions/node/server.js";

export const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface TestGateway extends RunningServer {
  store: Store;
  logs: LogLine[];
}

export async function startKeysGateway(
  opts: { file?: unknown; env?: Record<string, string | undefined>; store?: Store; allowOpen?: boolean; admin?: boolean } = {},
): Promise<TestGateway> {
  const env = { ...(opts.admin === false ? {} : { STRAIT_ADMIN_TOKEN: ADMIN_TOKEN }), ...opts.env };
  const config = loadConfig(opts.file ?? {}, env, { allowOpen: opts.allowOpen ?? true });
  const logs: LogLine[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void logs.push({ level, msg, fields });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  const store = opts.store ?? memoryStore();
  const server = await startServer({ config, host: "127.0.0.1", port: 0, log, env, store, shutdownTimeoutMs: 2_000 });
  return { ...server, store, logs };
}

/** A call to the admin API with the test admin token (or another). */
export async function admin(gw: { url: string }, method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN): Promise<{ status: number; json: any; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(gw.url + path, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

export async function chat(gw: { url: string }, key: string | undefined, model = "mock/echo", extra: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": "application/json", ...extra };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model, messages: [{ role: "user", content: "hello there" }] }) });
  return { status: res.status, json: await res.json(), headers: res.headers };
}
