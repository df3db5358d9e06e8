/** What the CLI prints: JSON, or a table for keys list and usage. */

export const json = (v: unknown) => JSON.stringify(v, null, 2);

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

export function keyTable(keys: any[]): string {
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

export function usageTable(res: any): string {
  if (!res.data.length) return "No usage.";
  const usd = (n: number) => n.toFixed(6).replace(/0{1,4}$/, "");
  // A gateway older than the cacheHits field sends none: 0.
  const cached = (n: number | undefined) => String(n ?? 0);
  const rows = res.data.map((r: any) => [r.day, r.key, r.model, String(r.requests), cached(r.cacheHits), String(r.tokensIn), String(r.tokensOut), usd(r.costUsd)]);
  const t = res.totals;
  rows.push(["TOTAL", "", "", String(t.requests), cached(t.cacheHits), String(t.tokensIn), String(t.tokensOut), usd(t.costUsd)]);
  return table(["DAY", "KEY", "MODEL", "REQUESTS", "CACHED", "TOKENS_IN", "TOKENS_OUT", "COST_USD"], rows);
}
