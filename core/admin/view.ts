import type { VirtualKeyRecord } from "../store/types.js";

/** A provider key as the admin API shows it: enough to tell keys apart, nothing to use. */
export function maskSecret(value: string): string {
  return value.length >= 12 ? `…${value.slice(-4)}` : "…";
}

/** A key record as the admin API returns it: never the hash, bound provider keys masked. */
export function keyView(r: VirtualKeyRecord) {
  return {
    id: r.id,
    object: "virtual_key" as const,
    name: r.name,
    owner: r.owner ?? null,
    hint: r.hint,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    expiresAt: r.expiresAt ?? null,
    disabled: r.disabled === true,
    models: r.models ?? null,
    rpm: r.rpm ?? null,
    tpm: r.tpm ?? null,
    maxParallel: r.maxParallel ?? null,
    budget: r.budget ?? null,
    cacheTtlSeconds: r.cacheTtlSeconds ?? null,
    strictTools: r.strictTools === true,
    promptCaching: r.promptCaching ?? null,
    logBodies: r.logBodies ?? null,
    metadata: r.metadata ?? {},
    guardrails: r.guardrails ?? [],
    credentials: r.credentials ? Object.fromEntries(Object.entries(r.credentials).map(([p, k]) => [p, maskSecret(k)])) : {},
  };
}
