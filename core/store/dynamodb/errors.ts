import { StoreUnavailableError } from "../types.js";

const THROTTLED = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]);

/** Errors the adapter handles itself: they are answers, not failures. */
const EXPECTED = new Set(["ConditionalCheckFailedException", "TransactionCanceledException"]);

export function isExpected(e: unknown, name: "ConditionalCheckFailedException" | "TransactionCanceledException"): boolean {
  return (e as { name?: string } | null)?.name === name;
}

/**
 * Runs one DynamoDB call. Any failure other than a condition check becomes a StoreUnavailableError
 * naming the operation and the backend's error, so guards upstream can fail closed with 503.
 */
export async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const name = (e as { name?: string } | null)?.name ?? "Error";
    if (EXPECTED.has(name) || e instanceof StoreUnavailableError) throw e;
    const throttled = THROTTLED.has(name);
    const what = throttled ? "throttled" : "failed";
    throw new StoreUnavailableError(`DynamoDB ${operation} ${what}: ${name}`, name, throttled, { cause: e });
  }
}
