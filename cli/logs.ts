/** `strait logs …` and `strait analytics`: the request log and its analytics from a terminal. */
import type { client } from "./api.js";
import { UsageError } from "./errors.js";
import type { Flags } from "./flags.js";
import { json, table } from "./output.js";
import type { Io } from "./index.js";

type Api = ReturnType<typeof client>;

const FILTERS = ["key", "model", "provider", "status", "cache", "guardrail", "from", "to", "limit", "cursor"] as const;

export async function logsCommand(api: Api, flags: Flags, command: string | undefined, rest: string[], io: Io): Promise<void> {
  const id = () => {
    const v = rest[0];
    if (!v) throw new UsageError(`"strait logs ${command}" needs a log id (the cf-aig-log-id of the response).`);
    if (rest.length > 1) throw new UsageError(`Unexpected argument "${rest[1]}".`);
    return encodeURIComponent(v);
  };
  switch (command) {
    case "list": {
      if (rest.length) throw new UsageError(`Unexpected argument "${rest[0]}".`);
      const q = new URLSearchParams();
      for (const name of FILTERS) if (flags[name] !== undefined) q.set(name, String(flags[name]));
      if (flags.metadata?.length) q.set("metadata", flags.metadata[0]!.replace("=", ":"));
      const page = await api("GET", `/admin/logs${q.size ? `?${q}` : ""}`);
      if (flags.json) io.out(json(page));
      else {
        io.out(logTable(page.data));
        if (page.nextCursor) io.err(`More entries: strait logs list --cursor ${page.nextCursor} (same filters).`);
      }
      return;
    }
    case "show":
      io.out(json(await api("GET", `/admin/logs/${id()}`)));
      return;
    case "feedback": {
      const path = `/admin/logs/${id()}`;
      const body: Record<string, number> = {};
      if (flags.feedback !== undefined) body.feedback = Number(flags.feedback);
      if (flags.score !== undefined) body.score = Number(flags.score);
      if (!Object.keys(body).length) throw new UsageError("Give --feedback -1|0|1 and/or --score 0..100.");
      io.out(json(await api("PATCH", path, body)));
      return;
    }
    default:
      throw new UsageError(command ? `Unknown command "logs ${command}". Commands: list, show, feedback.` : "Missing command after logs: list, show or feedback.");
  }
}

export async function analyticsCommand(api: Api, flags: Flags, io: Io): Promise<void> {
  const q = new URLSearchParams();
  if (flags["group-by"]) q.set("groupBy", flags["group-by"]);
  for (const name of ["key", "from", "to"] as const) if (flags[name] !== undefined) q.set(name, String(flags[name]));
  const res = await api("GET", `/admin/analytics${q.size ? `?${q}` : ""}`);
  if (flags.json) {
    io.out(json(res));
    return;
  }
  const ms = (n: number | null) => (n === null ? "-" : String(n));
  const row = (name: string, r: any) => [name, String(r.requests), String(r.errors["4xx"]), String(r.errors["5xx"]), `${(r.cacheHitRate * 100).toFixed(1)}%`, String(r.tokens.in), String(r.tokens.out), r.costUsd.toFixed(6), ms(r.latencyMs.p50), ms(r.latencyMs.p95), ms(r.ttfbMs.p50)];
  const rows = res.data.map((r: any) => row(String(r[res.groupBy]), r));
  rows.push(row("TOTAL", res.totals));
  const head = [res.groupBy.toUpperCase(), "REQUESTS", "4XX", "5XX", "CACHE_HITS", "TOKENS_IN", "TOKENS_OUT", "COST_USD", "P50_MS", "P95_MS", "TTFB_P50_MS"];
  // A last column only when a guardrail acted in the range: "pii:block=3,pii:flag=1".
  if (res.totals.guardrails) {
    head.push("GUARDRAILS");
    const cell = (g: Record<string, number> | undefined) => (g ? Object.entries(g).map(([name, n]) => `${name}=${n}`).join(",") : "-");
    [...res.data, res.totals].forEach((r: any, i: number) => rows[i].push(cell(r.guardrails)));
  }
  io.out(table(head, rows));
}

function logTable(entries: any[]): string {
  if (!entries.length) return "No log entries.";
  const rows = entries.map((e) => [e.createdAt, e.id, e.key ?? e.principal, e.route, e.provider ?? "-", e.model ?? "-", String(e.status), e.cache ?? "-", String(e.tokens.in), String(e.tokens.out), e.costUsd.toFixed(6), String(e.durationMs)]);
  return table(["TIME", "ID", "KEY", "ROUTE", "PROVIDER", "MODEL", "STATUS", "CACHE", "IN", "OUT", "COST_USD", "MS"], rows);
}
