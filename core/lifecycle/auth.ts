import { sha256, timingSafeEqual } from "../crypto.js";
import { unauthorized } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { isVirtualKey } from "../keys/generate.js";
import type { VirtualKeyRecord } from "../store/types.js";
import type { ClientCredentials } from "../upstream/credentials.js";
import { storeFailure } from "./store-failure.js";
import type { RequestHeaders } from "../http.js";

export interface Principal {
  kind: "open" | "token" | "virtual-key";
  /** Stable and safe to log: never the secret itself. For a virtual key, its id. */
  id: string;
}

export interface AuthResult {
  principal: Principal;
  client: ClientCredentials;
  /** The caller's virtual key record (limits, budget, allowed models), when it used one. */
  key?: VirtualKeyRecord;
}

/**
 * Where a caller may put the gateway credential; the first that is one wins. Besides OpenAI's and
 * Cloudflare's headers, the ones other SDKs put their key in (Anthropic's x-api-key, Azure's
 * api-key, Google's x-goog-api-key), so each SDK works with a gateway key as its API key.
 */
const GATEWAY_HEADERS = ["cf-aig-authorization", "authorization", "x-api-key", "api-key", "x-goog-api-key"] as const;

function presented(headers: RequestHeaders, name: (typeof GATEWAY_HEADERS)[number]): string | undefined {
  const v = headers.get(name);
  if (!v) return undefined;
  if (name !== "authorization" && name !== "cf-aig-authorization") return v.trim() || undefined;
  const m = /^Bearer\s+(.+)$/i.exec(v.trim());
  return m ? m[1]!.trim() : undefined;
}

/**
 * The client's own provider key: the first presented value (past cf-aig-authorization) that is not
 * the gateway credential it used — nor any virtual key, so a gateway key sent twice (as
 * Authorization and x-api-key, as some SDKs do) never travels upstream.
 */
function otherValue(values: Array<string | undefined>, used: number): string | undefined {
  const gatewayKey = used >= 0 ? values[used] : undefined;
  return values.find((v, j) => j > 0 && j !== used && v !== undefined && v !== gatewayKey && !isVirtualKey(v));
}

/**
 * Who is calling. A header that carries the gateway credential (a virtual key `sk-strait-…` or a
 * gateway token) is consumed; an Authorization or x-api-key that does not is the client's own
 * provider key (used per the provider's passthrough). A key is required once gateway tokens, an
 * admin token or any virtual key exist. Fails closed: with none of them, only an adapter that
 * knows it is private may run open.
 */
export function authenticate(gw: Gateway, headers: RequestHeaders): AuthResult | Promise<AuthResult> {
  const values = GATEWAY_HEADERS.map((h) => presented(headers, h));
  const keys = gw.keys;

  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!value || !isVirtualKey(value)) continue;
    if (!keys) throw unauthorized("This gateway has no store configured, so it accepts no virtual keys.", "invalid_api_key");
    const asKey = (record: VirtualKeyRecord | null): AuthResult => {
      const key = keys.check(record);
      return { principal: { kind: "virtual-key", id: key.id }, client: { providerKey: otherValue(values, i), bound: key.credentials }, key };
    };
    let found: VirtualKeyRecord | null | Promise<VirtualKeyRecord | null>;
    try {
      found = keys.lookup(value);
    } catch (e) {
      throw storeFailure(gw, e, "auth");
    }
    // A cached key is answered at once, without a promise: the hot path of every keyed request.
    if (!(found instanceof Promise)) return asKey(found);
    return found.then(asKey, (e) => {
      throw storeFailure(gw, e, "auth");
    });
  }
  return withoutKey(gw, values);
}

/** Who is calling, when no virtual key was presented: a gateway token, or no one on an open gateway. */
async function withoutKey(gw: Gateway, values: Array<string | undefined>): Promise<AuthResult> {
  const { tokens, allowOpen } = gw.config.auth;
  if (tokens.length > 0) {
    const known = await gw.tokenDigests();
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (!value) continue;
      const d = await sha256(value);
      const index = known.findIndex((k) => timingSafeEqual(k, d));
      if (index >= 0) return { principal: { kind: "token", id: `token-${index}` }, client: { providerKey: otherValue(values, i) } };
    }
  } else if (!gw.config.admin.token && !(await anyKeys(gw))) {
    if (!allowOpen) {
      throw unauthorized(
        "This gateway has no gateway tokens, admin token or virtual keys configured, so it refuses all traffic. Set STRAIT_GATEWAY_TOKENS or STRAIT_ADMIN_TOKEN.",
        "gateway_not_configured",
      );
    }
    return { principal: { kind: "open", id: "open" }, client: { providerKey: otherValue(values, -1) } };
  }
  throw values.some(Boolean)
    ? unauthorized("The gateway key is not valid.")
    : unauthorized("Missing gateway key: send it as Authorization: Bearer <key> (or x-api-key, or cf-aig-authorization).", "missing_api_key");
}

async function anyKeys(gw: Gateway): Promise<boolean> {
  const keys = gw.keys;
  if (!keys) return false;
  try {
    return await keys.anyExist();
  } catch (e) {
    throw storeFailure(gw, e, "auth");
  }
}
