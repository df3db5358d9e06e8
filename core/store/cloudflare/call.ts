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
  if (!res.ok) throw new StoreUnavailableError(`Durable Object ${op} refused (${res.status}): ${text.slice(0, 200)}`, "DurableObjectError", false);
  return JSON.parse(text) as T;
}

