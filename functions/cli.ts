/**
 * `strait`: the admin API from a terminal. STRAIT_URL (default http://127.0.0.1:8787) and
 * STRAIT_ADMIN_TOKEN (never a flag: flags show up in `ps` and shell history).
 * Exit codes: 0 done, 1 the gateway refused (4xx/5xx), 2 bad usage, 3 gateway unreachable.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Env = Readonly<Record<string, string | undefined>>;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const HELP = `strait — manage a Strait gateway's virtual keys and read its usage

Usage:
  strait keys create --name NAME [options]     create a key (the key is printed once)
  strait keys list [--limit N] [--cursor C] [--all]
  strait keys show ID
  strait keys update ID [options]
  strait keys rotate ID                        issue a new key for ID; the old one stops working
  strait keys delete ID
  strait usage [--key ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD]

Key options (create and update):
  --name NAME            --owner OWNER
  --models GLOBS         comma-separated "provider/model" globs, e.g. "openai/*,anthropic/claude-*"
  --rpm N                requests per minute       --tpm N   tokens per minute
  --max-parallel N       requests in flight at once (per gateway instance)
  --budget-usd X         spend limit in USD        --budget-period day|month|total (default month)
  --expires-at ISO       e.g. 2027-01-01T00:00:00Z
  --metadata K=V         repeatable                --credential PROVIDER=KEY   repeatable (bound provider key)
  --disable / --enable
Update only, to remove a setting:
  --no-expiry --no-budget --all-models --no-rpm --no-tpm --no-max-parallel --no-owner --no-credentials

Output: JSON, or a table for list and usage (--json for JSON there too).
Environment: STRAIT_URL (default http://127.0.0.1:8787; or --url), STRAIT_ADMIN_TOKEN (required).
Exit codes: 0 ok, 1 the gateway answered with an error, 2 bad usage, 3 the gateway could not be reached.
`;

class UsageError extends Error {}
class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}
class Unreachable extends Error {}

const OPTIONS = {
  url: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  name: { type: "string" },
  owner: { type: "string" },
  models: { type: "string" },
  rpm: { type: "string" },
  tpm: { type: "string" },
  "max-parallel": { type: "string" },
  "budget-usd": { type: "string" },
  "budget-period": { type: "string" },
  "expires-at": { type: "string" },
  metadata: { type: "string", multiple: true },
  credential: { type: "string", multiple: true },
  disable: { type: "boolean" },
  enable: { type: "boolean" },
  "no-expiry": { type: "boolean" },
  "no-budget": { type: "boolean" },
  "all-models": { type: "boolean" },
  "no-rpm": { type: "boolean" },
  "no-tpm": { type: "boolean" },
  "no-max-parallel": { type: "boolean" },
  "no-owner": { type: "boolean" },
  "no-credentials": { type: "boolean" },
  limit: { type: "string" },
  cursor: { type: "string" },
  all: { type: "boolean" },
  key: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
} as const satisfies ParseArgsConfig["options"];

type Flags = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

export async function main(argv: string[], env: Env = process.env, io: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) }): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, "."));
    }
    const flags = parsed.values as Flags;
    const [group, command, ...rest] = parsed.positionals;
    if (flags.help || !group || group === "help") {
      io.out(HELP);
      return 0;
    }
    const api = client(flags.url ?? env.STRAIT_URL ?? "http://127.0.0.1:8787", env.STRAIT_ADMIN_TOKEN);
    if (group === "usage") {
      if (command) throw new UsageError(`"strait usage" takes no argument, got "${command}".`);
      const q = new URLSearchParams();
      if (flags.key) q.set("key", flags.key);
      if (flags.from) q.set("from", flags.from);
      if (flags.to) q.set("to", flags.to);
      const res = await api("GET", `/admin/usage${q.size ? `?${q}` : ""}`);
      io.out(flags.json ? json(res) : usageTable(res));
      return 0;
    }
    if (group !== "keys") throw new UsageError(`Unknown command "${group}". Commands: keys, usage.`);
    const id = () => {
      const v = rest[0];
      if (!v) throw new UsageError(`"strait keys ${command}" needs a key id (key_…).`);
      if (rest.length > 1) throw new UsageError(`Unexpected argument "${rest[1]}".`);
      return encodeURIComponent(v);
    };
    switch (command) {
      case "create": {
        if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}". Give the name with --name.`);
        if (!flags.name) throw new UsageError("strait keys create needs --name.");
        const created = await api("POST", "/admin/keys", settings(flags, false));
        io.out(json(created));
        io.err("Store the key now: it is shown only once.");
        return 0;
      }
      case "list": {
        const items: any[] = [];
        let cursor = flags.cursor;
        let next: string | null = null;
        do {
          const q = new URLSearchParams();
          if (flags.limit) q.set("limit", flags.limit);
          if (cursor) q.set("cursor", cursor);
          const page = await api("GET", `/admin/keys${q.size ? `?${q}` : ""}`);
          items.push(...page.data);
          next = page.nextCursor;
          cursor = next ?? undefined;
        } while (flags.all && cursor);
        if (flags.json) io.out(json({ object: "list", data: items, nextCursor: next }));
        else {
          io.out(keyTable(items));
          if (next) io.err(`More keys: strait keys list --cursor ${next} (or --all).`);
        }
        return 0;
      }
      case "show":
        io.out(json(await api("GET", `/admin/keys/${id()}`)));
        return 0;
      case "update": {
        const path = `/admin/keys/${id()}`;
        const body = settings(flags, true);
        if (!Object.keys(body).length) throw new UsageError("Nothing to update: give at least one option (see strait help).");
        io.out(json(await api("PATCH", path, body)));
        return 0;
      }
      case "rotate":
        io.out(json(await api("POST", `/admin/keys/${id()}/rotate`)));
        io.err("Store the new key now: it is shown only once. The old key no longer works.");
        return 0;
      case "delete":
        io.out(json(await api("DELETE", `/admin/keys/${id()}`)));
        return 0;
      default:
        throw new UsageError(command ? `Unknown command "keys ${command}". Commands: create, list, show, update, rotate, delete.` : "Missing command after keys: create, list, show, update, rotate or delete.");
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`strait: ${e.message}\nRun "strait help" for usage.`);
      return 2;
    }
    if (e instanceof ApiError) {
      io.err(`strait: ${e.message}`);
      return 1;
    }
    if (e instanceof Unreachable) {
      io.err(`strait: ${e.message}`);
      return 3;
    }
    throw e;
  }
}

function client(base: string, token: string | undefined) {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`STRAIT_URL is not a URL: "${base}".`);
  }
  if (!token) throw new UsageError("Set STRAIT_ADMIN_TOKEN to the gateway's admin token.");
  const root = url.href.replace(/\/+$/, "");
  return async (method: string, path: string, body?: unknown): Promise<any> => {
    let res: Response;
    try {
      res = await fetch(root + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new Unreachable(`Could not reach the gateway at ${root}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    }
    const text = await res.text();
    let data: any;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError(`The gateway answered HTTP ${res.status} with something that is not JSON.`, res.status);
    }
    if (!res.ok) {
      const err = data?.error ?? {};
      throw new ApiError(`${err.message ?? `HTTP ${res.status}`} (HTTP ${res.status}${err.code ? `, ${err.code}` : ""})`, res.status);
    }
    return data;
  };
}

function int(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number, got "${value}".`);
  return Number(value);
}

function pairs(flag: string, list: string[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${flag} takes NAME=VALUE, got "${flag === "credential" ? "(hidden)" : item}".`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** The request body for create (update = true: a PATCH, where null removes a setting). */
function settings(f: Flags, update: boolean): Record<string, unknown> {
  const b: Record<string, unknown> = {};
  const clear = (flag: keyof Flags, field: string) => {
    if (!f[flag]) return;
    if (!update) throw new UsageError(`--${flag} only applies to "keys update".`);
    b[field] = null;
  };
  if (f.name !== undefined) b.name = f.name;
  if (f.owner !== undefined) b.owner = f.owner;
  if (f.models !== undefined) b.models = f.models.split(",").map((m) => m.trim()).filter(Boolean);
  if (f.rpm !== undefined) b.rpm = int("rpm", f.rpm);
  if (f.tpm !== undefined) b.tpm = int("tpm", f.tpm);
  if (f["max-parallel"] !== undefined) b.maxParallel = int("max-parallel", f["max-parallel"]);
  if (f["budget-usd"] !== undefined) {
    const usd = Number(f["budget-usd"]);
    if (!/^\d+(\.\d+)?$/.test(f["budget-usd"]) || !Number.isFinite(usd)) throw new UsageError(`--budget-usd must be a number of dollars, got "${f["budget-usd"]}".`);
    b.budget = { usd, period: f["budget-period"] ?? "month" };
  } else if (f["budget-period"] !== undefined) throw new UsageError("--budget-period needs --budget-usd.");
  if (f["expires-at"] !== undefined) b.expiresAt = f["expires-at"];
  const metadata = pairs("metadata", f.metadata);
  if (metadata) b.metadata = metadata;
  const credentials = pairs("credential", f.credential);
  if (credentials) b.credentials = credentials;
  if (f.disable && f.enable) throw new UsageError("Give --disable or --enable, not both.");
  if (f.disable) b.disabled = true;
  if (f.enable) b.disabled = update ? null : false;
  clear("no-expiry", "expiresAt");
  clear("no-budget", "budget");
  clear("all-models", "models");
  clear("no-rpm", "rpm");
  clear("no-tpm", "tpm");
  clear("no-max-parallel", "maxParallel");
  clear("no-owner", "owner");
  clear("no-credentials", "credentials");
  return b;
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

function keyTable(keys: any[]): string {
  if (!keys.length) return "No keys.";
  return table(
    ["ID", "NAME", "KEY", "MODELS", "RPM", "TPM", "BUDGET", "EXPIRES", "STATUS"],
    keys.map((k) => [
      k.id,
      k.name,
      k.hint,
      k.models ? k.models.join(",") : "*",
      k.rpm == null ? "-" : String(k.rpm),
      k.tpm == null ? "-" : String(k.tpm),
      k.budget ? `$${k.budget.usd}/${k.budget.period}` : "-",
      k.expiresAt ?? "-",
      k.disabled ? "disabled" : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? "expired" : "active",
    ]),
  );
}

function usageTable(res: any): string {
  if (!res.data.length) return "No usage.";
  const usd = (n: number) => n.toFixed(6).replace(/0{1,4}$/, "");
  const rows = res.data.map((r: any) => [r.day, r.key, r.model, String(r.requests), String(r.tokensIn), String(r.tokensOut), usd(r.costUsd)]);
  const t = res.totals;
  rows.push(["TOTAL", "", "", String(t.requests), String(t.tokensIn), String(t.tokensOut), usd(t.costUsd)]);
  return table(["DAY", "KEY", "MODEL", "REQUESTS", "TOKENS_IN", "TOKENS_OUT", "COST_USD"], rows);
}
