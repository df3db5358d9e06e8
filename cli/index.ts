/**
 * `strait`: the admin API from a terminal. STRAIT_URL (default http://127.0.0.1:8787) and
 * STRAIT_ADMIN_TOKEN (never a flag: flags show up in `ps` and shell history).
 * Exit codes: 0 done, 1 the gateway refused (4xx/5xx), 2 bad usage, 3 gateway unreachable.
 * Not a deploy target: bin/strait.mjs runs it through tsx. flags.ts turns flags into request
 * bodies, api.ts talks to the admin API, output.ts prints.
 */
import { parseArgs } from "node:util";
import { client } from "./api.js";
import { ApiError, Unreachable, UsageError } from "./errors.js";
import { OPTIONS, settings, type Flags } from "./flags.js";
import { json, keyTable, usageTable } from "./output.js";
import { analyticsCommand, logsCommand } from "./logs.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const HELP = `strait — manage a Strait gateway's virtual keys, read its usage, logs and analytics, purge its response cache

Usage:
  strait keys create --name NAME [options]     create a key (the key is printed once)
  strait keys list [--limit N] [--cursor C] [--all]
  strait keys show ID
  strait keys update ID [options]
  strait keys rotate ID                        issue a new key for ID; the old one stops working
  strait keys delete ID
  strait usage [--key ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
  strait cache purge [--key ID]                delete every cached answer, or only key ID's
  strait logs list [filters]                   the request log, newest first
  strait logs show ID                          one entry (ID: a response's cf-aig-log-id), bodies included
  strait logs feedback ID [--feedback -1|0|1] [--score 0..100]
  strait analytics [--group-by key|model|provider|day|hour] [--key ID] [--from T] [--to T]

Log filters: --key ID --model M --provider P --status 2xx|4xx|5xx --cache HIT|MISS|BYPASS
  --metadata NAME=VALUE --guardrail POLICY|block|redact|flag
  --from T --to T (ISO time or epoch ms) --limit N --cursor C

Key options (create and update):
  --name NAME            --owner OWNER
  --models GLOBS         comma-separated "provider/model" globs, e.g. "openai/*,anthropic/claude-*"
  --rpm N                requests per minute       --tpm N   tokens per minute
  --max-parallel N       requests in flight at once (per gateway instance)
  --budget-usd X         spend limit in USD        --budget-period day|month|total (default month)
  --expires-at ISO       e.g. 2027-01-01T00:00:00Z
  --cache-ttl SECONDS    how long the key's cached answers live by default (60..2592000)
  --strict-tools         refuse (400) built-in tools a translated target can't run, rather than drop them
  --log-bodies           store this key's request and answer bodies in the request log
  --prompt-caching auto  add prompt-cache breakpoints to /v1/messages requests that set none
  --guardrails P1,P2     guardrail policies (from the gateway's config) this key's requests run
  --metadata K=V         repeatable                --credential PROVIDER=KEY   repeatable (bound provider key)
  --disable / --enable
Update only, to remove a setting:
  --no-expiry --no-budget --all-models --no-rpm --no-tpm --no-max-parallel --no-owner --no-credentials
  --no-cache-ttl --no-strict-tools --no-prompt-caching --no-log-bodies --no-guardrails

Output: JSON, or a table for list and usage, a sentence for cache purge (--json for JSON there too).
Environment: STRAIT_URL (default http://127.0.0.1:8787; or --url), STRAIT_ADMIN_TOKEN (required).
Exit codes: 0 ok, 1 the gateway answered with an error, 2 bad usage, 3 the gateway could not be reached.
`;

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
    if (group === "cache") {
      if (command !== "purge") throw new UsageError(command ? `Unknown command "cache ${command}". Commands: purge.` : "Missing command after cache: purge.");
      if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}". Give a key with --key ID.`);
      const res = await api("DELETE", `/admin/cache${flags.key === undefined ? "" : `?${new URLSearchParams({ key: flags.key })}`}`);
      io.out(flags.json ? json(res) : `Deleted ${res.deleted} cache ${res.deleted === 1 ? "entry" : "entries"}.`);
      return 0;
    }
    if (group === "logs") {
      await logsCommand(api, flags, command, rest, io);
      return 0;
    }
    if (group === "analytics") {
      if (command) throw new UsageError(`"strait analytics" takes no argument, got "${command}".`);
      await analyticsCommand(api, flags, io);
      return 0;
    }
    if (group !== "keys") throw new UsageError(`Unknown command "${group}". Commands: keys, usage, cache, logs, analytics.`);
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
