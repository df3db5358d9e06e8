import { sha256, timingSafeEqual } from "../crypto.js";
import { unauthorized } from "../errors.js";
import type { Gateway } from "../gateway.js";
import type { ClientCredentials } from "./credentials.js";

export interface Principal {
  kind: "open" | "token" | "virtual-key";
  /** Stable and safe to log: never the secret itself. */
  id: string;
}

export interface AuthResult {
  principal: Principal;
  client: ClientCredentials;
}

/** Where a caller may put the gateway credential; the first that is one wins. */
const GATEWAY_HEADERS = ["cf-aig-authorization", "authorization", "x-api-key"] as const;

function presented(headers: Headers, name: (typeof GATEWAY_HEADERS)[number]): string | undefined {
  const v = headers.get(name);
  if (!v) return undefined;
  if (name === "x-api-key") return v.trim() || undefined;
  const m = /^Bearer\s+(.+)$/i.exec(v.trim());
  return m ? m[1]!.trim() : undefined;
}

const tokenDigests = new WeakMap<Gateway, Promise<Uint8Array[]>>();

/** Gateway tokens, hashed once per gateway, so each check compares fixed-length digests. */
function digests(gw: Gateway): Promise<Uint8Array[]> {
  let d = tokenDigests.get(gw);
  if (!d) tokenDigests.set(gw, (d = Promise.all(gw.config.auth.tokens.map(sha256))));
  return d;
}

/**
 * Who is calling. A header that carries the gateway credential is consumed; an Authorization or
 * x-api-key that does not is the client's own provider key (used per the provider's passthrough).
 * Fails closed: with no gateway tokens configured, only an adapter that knows it is private may run open.
 */
export async function authenticate(gw: Gateway, headers: Headers): Promise<AuthResult> {
  const { tokens, allowOpen } = gw.config.auth;
  const values = GATEWAY_HEADERS.map((h) => presented(headers, h));
  if (tokens.length === 0) {
    if (!allowOpen) {
      throw unauthorized("This gateway has no gateway tokens or keys configured, so it refuses all traffic. Set STRAIT_GATEWAY_TOKENS.", "gateway_not_configured");
    }
    return { principal: { kind: "open", id: "open" }, client: { providerKey: values[1] ?? values[2] } };
  }
  const known = await digests(gw);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!value) continue;
    const d = await sha256(value);
    const index = known.findIndex((k) => timingSafeEqual(k, d));
    if (index >= 0) {
      const providerKey = values.find((v, j) => j > 0 && j !== i && v !== undefined);
      return { principal: { kind: "token", id: `token-${index}` }, client: { providerKey } };
    }
  }
  throw values.some(Boolean)
    ? unauthorized("The gateway key is not valid.")
    : unauthorized("Missing gateway key: send it as Authorization: Bearer <key> (or x-api-key, or cf-aig-authorization).", "missing_api_key");
}
