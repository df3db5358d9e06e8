import { costMicros, type PriceTable } from "../pricing/cost.js";
import { customCostMicros, type CustomCost } from "../pricing/custom-cost.js";
import type { CallRecord } from "../types.js";

/**
 * Sets the call's cost (micro-dollars) and whether it had a price: the caller's own
 * (cf-aig-custom-cost), else the price table's for its provider and model at the time it ran. A
 * cache hit spent nothing; a model with no known price costs 0 and is flagged, never guessed.
 * Returns the "provider/model" name that had no price, for a warning.
 */
export function priceCall(prices: PriceTable, record: CallRecord, custom?: CustomCost): string | undefined {
  record.priced = true;
  if (!record.provider || record.cache === "HIT") {
    record.costMicros = 0;
    return undefined;
  }
  if (custom) {
    record.costMicros = customCostMicros(custom, record.usage);
    return undefined;
  }
  if (!record.usage) {
    record.costMicros = 0;
    return undefined;
  }
  const model = record.model || "unknown";
  const price = prices.find(record.provider, model, record.startedAt);
  record.costMicros = price ? costMicros(price, record.usage) : 0;
  record.priced = price !== undefined;
  return price ? undefined : `${record.provider}/${model}`;
}
