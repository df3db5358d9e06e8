import { toHex } from "../crypto.js";
import type { Principal } from "../lifecycle/auth.js";
import type { Target } from "../lifecycle/route.js";
import type { Runtime } from "../runtime.js";
import { cacheTenantOfKey } from "../store/cache-prefix.js";

/**
 * JSON with object keys sorted at every level and no whitespace: two bodies that differ only in
 * key order or spacing give the same text. `undefined` members are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const obj = value as Record<string, unknown>;
  let out = "";
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    out += `${out ? "," : ""}${JSON.stringify(k)}:${canonicalJson(obj[k])}`;
  }
  return `{${out}}`;
}

/**
 * Whose entries these are, as the first part of every cache key (so one tenant's entries can be
 * purged by prefix): the virtual key, the gateway token, or the open gateway. A caller's own
 * provider credential makes a tenant of its own when no virtual key names one.
 */
export function cacheTenant(principal: Principal, ownCredentialHash: string | undefined): string {
  if (principal.kind === "virtual-key") return cacheTenantOfKey(principal.id);
  if (ownCredentialHash) return `own:${ownCredentialHash.slice(0, 32)}`;
  return principal.kind === "token" ? `token:${principal.id}` : "open";
}

/** The targets a request may be answered by, in a stable order (a load balancer shuffles them per request). */
export function targetsName(targets: readonly Target[]): string {
  return targets
    .map((t) => `${t.route.name}/${t.model}`)
    .sort()
    .join(",");
}

/** SHA-256 in hex, native where the runtime has it. */
export async function digestHex(runtime: Runtime, text: string): Promise<string> {
  if (runtime.sha256Hex) return runtime.sha256Hex(text);
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}
