import { costMicros, type PriceTable } from "../pricing/cost.js";
import type { CallRecord } from "../types.js";

/**
 * Sets the call's cost (micro-dollars) and whether its model had a price. A cache hit spent
 * nothing; a model with no known price costs 0 and is flagged, never guessed. Returns the
 * "provider/model" name that had no price, for a warning.
 */
export function priceCall(prices: PriceTable, record: CallRecord): string | undefined {
  if (record.costMicros !== undefined) return undefined; // a custom cost, set by the request
  if (!record.provider || !record.usage || record.cache === "HIT") {
    record.costMicros = 0;
    record.priced = true;
    return undefined;
  }
  const model = record.model || "unknown";
  const price = prices.find(record.provider, model);
  record.costMicros = price ? costMicros(price, record.usage) : 0;
  record.priced = price !== undefined;
  return price ? undefined : `${record.provider}/${model}`;
}
