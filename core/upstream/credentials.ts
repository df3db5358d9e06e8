import { unauthorized } from "../errors.js";
import type { ProviderRoute } from "../gateway.js";
import type { CallContext, Credential } from "../providers/types.js";

export interface ClientCredentials {
  /** A provider key the client sent (Authorization / x-api-key not used for gateway auth). */
  providerKey?: string;
  /** Provider keys bound to the caller's virtual key, by provider name. */
  bound?: Record<string, string>;
}

/**
 * The credential for one upstream call, first match wins (passthrough "always" puts the client's
 * key first; "never" ignores it): the client's own provider credential, the virtual key's bound
 * key, the gateway's keys, the runtime's ambient credential (AWS environment / IAM role: also the
 * gateway's own), and only then the client's key as a fallback.
 */
export function credentialFor(route: ProviderRoute, client: ClientCredentials, base: Omit<CallContext, "credential">, tried?: ReadonlySet<string>): Credential | Promise<Credential> {
  const mode = route.config.passthrough ?? "fallback";
  const own = client.providerKey && (route.provider.acceptsClientKey?.(client.providerKey) ?? true) ? client.providerKey : undefined;
  if (own && mode === "always") return { kind: "key", value: own, source: "client" };
  if (mode !== "never") {
    const fromHeaders = route.provider.clientCredential?.(base.clientHeaders, base);
    if (fromHeaders) return fromHeaders;
  }
  const bound = client.bound?.[route.name];
  if (bound) return { kind: "key", value: bound, source: "virtual-key" };
  const pooled = route.pool.next(tried);
  if (pooled !== undefined) return { kind: "key", value: pooled, source: "config" };
  if (!route.provider.ambientCredential) return lastResort(route, own, mode);
  return Promise.resolve(route.provider.ambientCredential(base)).then((found) => found ?? lastResort(route, own, mode));
}

/** No configured or ambient credential: the client's own key, none for a provider that needs none, or the 401. */
function lastResort(route: ProviderRoute, own: string | undefined, mode: string): Credential {
  if (own && mode !== "never") return { kind: "key", value: own, source: "client" };
  if (!route.provider.needsCredential) return { kind: "none", source: "config" };
  if (route.provider.missingCredential) throw unauthorized(route.provider.missingCredential, "missing_provider_key");
  const env = route.provider.keyEnv?.length ? ` (${route.provider.keyEnv.join(" or ")})` : "";
  throw unauthorized(`The gateway has no credential for provider "${route.name}": configure its apiKeys${env}, or send your own provider key.`, "missing_provider_key");
}
