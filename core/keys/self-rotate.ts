import type { Context } from "hono";
import type { AppEnv } from "../app-env.js";
import { badRequest } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { keyView } from "../admin/view.js";
import type { AuthResult } from "../lifecycle/auth.js";
import { storeFailure } from "../lifecycle/store-failure.js";

/**
 * POST /v1/key/rotate: the holder of a virtual key swaps it for a new one (returned once). The old
 * key fails at once on this host and within the key cache TTL on others.
 */
export async function selfRotate(gw: Gateway, c: Context<AppEnv>, auth: AuthResult): Promise<Response> {
  const keys = gw.keys;
  if (!auth.key || !keys) throw badRequest("Only a virtual key (sk-strait-…) can rotate itself; this request was not made with one.", null, "not_a_virtual_key");
  let issued;
  try {
    issued = await keys.rotate(auth.key.id);
  } catch (e) {
    throw storeFailure(gw, e, "admin");
  }
  if (!issued) throw badRequest("This virtual key no longer exists.", null, "invalid_api_key");
  return c.json({ ...keyView(issued.record), key: issued.key });
}
