/** The command-line flags, and the admin API request body they make for keys create / update. */
import type { ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.js";

export const OPTIONS = {
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
  "cache-ttl": { type: "string" },
  "strict-tools": { type: "boolean" },
  "log-bodies": { type: "boolean" },
  "prompt-caching": { type: "string" },
  guardrails: { type: "string" },
  "no-guardrails": { type: "boolean" },
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
  "no-cache-ttl": { type: "boolean" },
  "no-strict-tools": { type: "boolean" },
  "no-log-bodies": { type: "boolean" },
  "no-prompt-caching": { type: "boolean" },
  limit: { type: "string" },
  model: { type: "string" },
  provider: { type: "string" },
  status: { type: "string" },
  cache: { type: "string" },
  guardrail: { type: "string" },
  feedback: { type: "string" },
  score: { type: "string" },
  "group-by": { type: "string" },
  cursor: { type: "string" },
  all: { type: "boolean" },
  key: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
} as const satisfies ParseArgsConfig["options"];

export type Flags = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

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
export function settings(f: Flags, update: boolean): Record<string, unknown> {
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
  if (f["cache-ttl"] !== undefined) b.cacheTtlSeconds = int("cache-ttl", f["cache-ttl"]);
  if (f["strict-tools"]) b.strictTools = true;
  if (f["log-bodies"]) b.logBodies = true;
  if (f["prompt-caching"] !== undefined) {
    if (f["prompt-caching"] !== "auto") throw new UsageError(`--prompt-caching takes "auto", got "${f["prompt-caching"]}".`);
    b.promptCaching = "auto";
  }
  if (f.guardrails !== undefined) b.guardrails = f.guardrails.split(",").map((p) => p.trim()).filter(Boolean);
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
  clear("no-cache-ttl", "cacheTtlSeconds");
  clear("no-strict-tools", "strictTools");
  clear("no-log-bodies", "logBodies");
  clear("no-prompt-caching", "promptCaching");
  clear("no-guardrails", "guardrails");
  return b;
}
