/**
 * How the UI writes numbers and times. Digits are en-US whatever the browser's locale, so a cost
 * reads "$0.0123" everywhere; times are the browser's local time.
 */

const DASH = "–";
const ints = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const usd = [2, 4, 6].map((d) => new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));

const given = (n: number | null | undefined): n is number => typeof n === "number" && Number.isFinite(n);

/** 1234567 → "1,234,567". */
export function formatInt(n: number | null | undefined): string {
  return given(n) ? ints.format(Math.round(n)) : DASH;
}

/** Dollars: "$1,234.50" from a dollar up, "$0.0123" below, "$0.000012" below a hundredth of a cent. */
export function formatUsd(n: number | null | undefined): string {
  if (!given(n)) return DASH;
  const abs = Math.abs(n);
  const f = abs === 0 || abs >= 1 ? usd[0]! : abs >= 0.0001 ? usd[1]! : usd[2]!;
  const text = f.format(abs);
  return /[1-9]/.test(text) && n < 0 ? `-$${text}` : `$${text}`;
}

/** A rate from 0 to 1: 0.1234 → "12.3%". */
export function formatPercent(rate: number | null | undefined): string {
  return given(rate) ? `${(rate * 100).toFixed(1)}%` : DASH;
}

/** 850 → "850 ms", 1234 → "1.23 s", 75000 → "1 min 15 s". */
export function formatMs(ms: number | null | undefined): string {
  if (!given(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO time or epoch ms as local "2026-11-29 14:02:03". */
export function formatTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined) return DASH;
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return DASH;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** An ISO time as the value of an <input type="datetime-local">, local: "2026-11-29T14:02". */
export function toLocalInput(t: string | number | null | undefined): string {
  if (t === null || t === undefined) return "";
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value ("2026-11-29T14:02", seconds optional) as epoch ms in local time; NaN when it is not one. */
export function fromLocalInput(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value.trim());
  if (!m) return Number.NaN;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  const date = new Date(y!, mo! - 1, d!, h!, mi!, s!, ms!);
  // new Date rolls Feb 31 over to March: a real time keeps its fields.
  if (date.getFullYear() !== y || date.getMonth() !== mo! - 1 || date.getDate() !== d || date.getHours() !== h || date.getMinutes() !== mi) return Number.NaN;
  return date.getTime();
}
