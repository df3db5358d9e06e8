import { GatewayError } from "../errors.js";
import type { Gateway } from "../gateway.js";
import { StoreUnavailableError } from "../store/types.js";

/**
 * A store error in a stage that guards something (auth, limits, budgets): the request is refused
 * with 503 (fail closed, never "allowed") and the cause is logged without secrets.
 */
export function storeFailure(gw: Gateway, err: unknown, stage: "auth" | "limits" | "admin" | "responses"): GatewayError {
  const e = err as Error;
  const code = err instanceof StoreUnavailableError ? err.code : (e?.name ?? "Error");
  const throttled = err instanceof StoreUnavailableError && err.throttled;
  gw.runtime.log.error("store unavailable: request refused (fail closed)", { stage, code, throttled, error: String(e?.message ?? err) });
  const what =
    stage === "admin"
      ? "the admin request could not be completed"
      : stage === "responses"
        ? "the stored responses could not be read"
        : "it cannot check this request's key or limits; the request was refused";
  return new GatewayError(
    503,
    `The gateway's store is ${throttled ? "throttled" : "unavailable"}, so ${what}. Retry shortly.`,
    "api_error",
    "store_unavailable",
    null,
    { "retry-after": "1" },
  );
}
