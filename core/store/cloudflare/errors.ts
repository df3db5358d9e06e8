import { StoreUnavailableError } from "../types.js";

/**
 * Runs one Workers KV operation. A failure (KV answers 429 to more than one write a second to
 * the same key, or is unreachable) becomes a StoreUnavailableError, so guards fail closed.
 */
export async function kvCall<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const message = String((e as Error)?.message ?? e);
    const throttled = /\b429\b|too many requests/i.test(message);
    throw new StoreUnavailableError(`Workers KV ${operation} ${throttled ? "throttled" : "failed"}: ${message.slice(0, 200)}`, "KVError", throttled, { cause: e });
  }
}
