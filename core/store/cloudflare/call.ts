import { StoreUnavailableError } from "../types.js";
import type { DurableObjectNamespaceLike } from "./bindings.js";

/**
 * One call to one object. Anything but an answer (the object overloaded, reset, unreachable, or
 * refusing the input) is a StoreUnavailableError, so limits and budgets fail closed.
 */
export async function callObject<T>(ns: DurableObjectNamespaceLike, objectName: string, op: string, input: unknown): Promise<T> {
  let res: Response;
  let text: string;
  try {
    const stub = ns.get(ns.idFromName(objectName));
    res = await stub.fetch(`https://store-object/${op}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) });
    text = await res.text();
  } catch (e) {
    const overloaded = (e as { overloaded?: boolean })?.overloaded === true;
    throw new StoreUnavailableError(`Durable Object ${op} ${overloaded ? "overloaded" : "failed"}: ${String((e as Error)?.message ?? e).slice(0, 200)}`, "DurableObjectError", overloaded, { cause: e });
  }
  if (!res.ok) {
    // The object's own error: { error, code?, throttled? } (503 when the backend behind it failed).
    let detail: { error?: string; code?: string; throttled?: boolean } = {};
    try {
      detail = JSON.parse(text);
    } catch {}
    const message = `Durable Object ${op} ${res.status === 503 ? "failed" : "refused"} (${res.status}): ${(detail.error ?? text).slice(0, 200)}`;
    throw new StoreUnavailableError(message, detail.code ?? "DurableObjectError", detail.throttled === true);
  }
  return JSON.parse(text) as T;
}

