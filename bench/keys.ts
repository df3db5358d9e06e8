/** A virtual key for the benchmarks, created through the gateway's admin API (token `bench-admin-token`). */
export const BENCH_ADMIN_TOKEN = "bench-admin-token";

/** A virtual key with every limit on (rpm, tpm, a daily budget), set high enough never to refuse during a run. */
export async function createKey(port: number, guardrails?: string[]): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench", rpm: 100_000_000, tpm: 1_000_000_000_000, budget: { usd: 1_000_000, period: "day" }, guardrails }),
  });
  if (!res.ok) throw new Error(`could not create the bench key: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}
