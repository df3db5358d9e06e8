/** The key form: text as typed ↔ the admin API's key fields. No DOM here. */
import { fromLocalInput, toLocalInput } from "./format.js";
import type { BudgetPeriod, KeyView } from "./types.js";

/** The form's fields as the inputs hold them. */
export interface KeyForm {
  name: string;
  owner: string;
  /** Comma-separated globs. */
  models: string;
  rpm: string;
  tpm: string;
  budgetUsd: string;
  budgetPeriod: BudgetPeriod;
  /** A datetime-local value. */
  expiresAt: string;
  /** One "k=v" a line. */
  metadata: string;
}

export const EMPTY_KEY_FORM: KeyForm = { name: "", owner: "", models: "", rpm: "", tpm: "", budgetUsd: "", budgetPeriod: "month", expiresAt: "", metadata: "" };

/** The fields as the API takes them; null is "none" (all models, no limit, no budget …). */
export interface KeyFields {
  name: string;
  owner: string | null;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budget: { usd: number; period: BudgetPeriod } | null;
  expiresAt: string | null;
  metadata: Record<string, string> | null;
}

export type Parsed = { ok: true; fields: KeyFields } | { ok: false; error: string };
export type Body = { ok: true; body: Record<string, unknown> } | { ok: false; error: string };

/** A key as the form shows it. */
export function keyToForm(k: KeyView): KeyForm {
  return {
    name: k.name,
    owner: k.owner ?? "",
    models: (k.models ?? []).join(", "),
    rpm: k.rpm === null ? "" : String(k.rpm),
    tpm: k.tpm === null ? "" : String(k.tpm),
    budgetUsd: k.budget ? String(k.budget.usd) : "",
    budgetPeriod: k.budget?.period ?? "month",
    expiresAt: toLocalInput(k.expiresAt),
    metadata: Object.entries(k.metadata ?? {})
      .map(([n, v]) => `${n}=${v}`)
      .join("\n"),
  };
}

class FieldError extends Error {}

function whole(label: string, text: string): number | null {
  const s = text.trim().replace(/[,_\s]/g, "");
  if (s === "") return null;
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) throw new FieldError(`${label} must be a whole number of at least 1.`);
  return Number(s);
}

function models(text: string): string[] | null {
  const globs = text
    .split(/[,\n]/)
    .map((g) => g.trim())
    .filter((g) => g !== "");
  if (globs.length === 0) return null;
  const bad = globs.find((g) => /\s/.test(g));
  if (bad !== undefined) throw new FieldError(`Models: "${bad}" has a space; separate globs with commas.`);
  if (globs.length > 100) throw new FieldError("Models may hold at most 100 globs.");
  return globs;
}

function metadata(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const eq = line.indexOf("=");
    const name = eq > 0 ? line.slice(0, eq).trim() : "";
    if (!name) throw new FieldError(`Metadata line ${i + 1} must be "name=value".`);
    if (name.length > 64) throw new FieldError(`Metadata line ${i + 1}: the name is longer than 64 characters.`);
    const value = line.slice(eq + 1).trim();
    if (value.length > 512) throw new FieldError(`Metadata line ${i + 1}: the value is longer than 512 characters.`);
    if (!(name in out)) n++;
    out[name] = value;
  }
  if (n > 32) throw new FieldError("Metadata may hold at most 32 entries.");
  return n === 0 ? null : out;
}

function budget(usd: string, period: BudgetPeriod): KeyFields["budget"] {
  const s = usd.trim().replace(/^\$/, "").replace(/,/g, "");
  if (s === "") return null;
  const n = Number(s);
  if (!/^\d*\.?\d+$|^\d+\.$/.test(s) || !Number.isFinite(n)) throw new FieldError("Budget (USD) must be a number of dollars, like 25 or 0.50.");
  if (n > 1e9) throw new FieldError("Budget (USD) is too large.");
  return { usd: n, period };
}

function expiry(text: string, now: number): string | null {
  if (text.trim() === "") return null;
  const ms = fromLocalInput(text);
  if (Number.isNaN(ms)) throw new FieldError("Expires at is not a valid date and time.");
  if (ms <= now) throw new FieldError("Expires at is in the past.");
  return new Date(ms).toISOString();
}

/** Every field of the form, checked as the API would (so most mistakes never make a request). */
export function parseKeyForm(f: KeyForm, now: number): Parsed {
  try {
    const name = f.name.trim();
    if (name === "") throw new FieldError("Name is required.");
    if (name.length > 200) throw new FieldError("Name must be at most 200 characters.");
    const owner = f.owner.trim();
    if (owner.length > 200) throw new FieldError("Owner must be at most 200 characters.");
    return {
      ok: true,
      fields: {
        name,
        owner: owner === "" ? null : owner,
        models: models(f.models),
        rpm: whole("RPM", f.rpm),
        tpm: whole("TPM", f.tpm),
        budget: budget(f.budgetUsd, f.budgetPeriod),
        expiresAt: expiry(f.expiresAt, now),
        metadata: metadata(f.metadata),
      },
    };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, error: e.message };
    throw e;
  }
}

/** POST /admin/keys's body: the fields given, none of the empty ones. */
export function createBody(f: KeyForm, now: number): Body {
  const p = parseKeyForm(f, now);
  if (!p.ok) return p;
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.fields)) if (v !== null) body[k] = v;
  return { ok: true, body };
}

const FIELD_NAMES = ["name", "owner", "models", "rpm", "tpm", "budget", "expiresAt", "metadata"] as const;

/**
 * PATCH /admin/keys/<id>'s body: only the fields that changed from `before`; a field emptied is
 * null (cleared). An expiry left as it was is not re-sent, so a key past its expiry can still be edited.
 */
export function patchBody(before: KeyForm, after: KeyForm, now: number): Body {
  const changed = (k: keyof KeyForm) => before[k].trim() !== after[k].trim();
  // The expiry is compared as typed: an untouched past expiry must not fail "is in the past".
  const p = parseKeyForm(changed("expiresAt") ? after : { ...after, expiresAt: "" }, now);
  if (!p.ok) return p;
  const old = parseKeyForm({ ...before, expiresAt: "" }, now);
  const body: Record<string, unknown> = {};
  for (const k of FIELD_NAMES) {
    if (k === "expiresAt") {
      if (changed("expiresAt")) body.expiresAt = p.fields.expiresAt;
      continue;
    }
    const was = old.ok ? JSON.stringify(old.fields[k]) : undefined;
    if (JSON.stringify(p.fields[k]) !== was) body[k] = p.fields[k];
  }
  return { ok: true, body };
}

/** "Active", "Disabled" or "Expired". */
export function keyStatus(k: Pick<KeyView, "disabled" | "expiresAt">, now: number): "Active" | "Disabled" | "Expired" {
  if (k.disabled) return "Disabled";
  if (k.expiresAt && Date.parse(k.expiresAt) <= now) return "Expired";
  return "Active";
}

/** The loaded keys whose name, owner or id holds the search text (any case). */
export function filterKeys<K extends Pick<KeyView, "id" | "name" | "owner">>(keys: K[], search: string): K[] {
  const q = search.trim().toLowerCase();
  if (q === "") return keys;
  return keys.filter((k) => k.name.toLowerCase().includes(q) || k.id.toLowerCase().includes(q) || (k.owner ?? "").toLowerCase().includes(q));
}
