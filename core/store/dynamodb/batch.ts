import { BatchWriteCommand, type BatchWriteCommandInput, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { StoreUnavailableError } from "../types.js";
import { call } from "./errors.js";

/** Tries a batch's unprocessed part gets before the call fails as throttled. */
export const UNPROCESSED_ATTEMPTS = 8;

export type WriteRequests = NonNullable<BatchWriteCommandInput["RequestItems"]>[string];

/** A pause before retrying a batch's unprocessed part: exponential, jittered, at most 2 s. */
export const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2)));

/** One BatchWriteItem (25 requests at most), its unprocessed items retried; `what` names them in the error. */
export async function writeBatch(doc: DynamoDBDocumentClient, table: string, requests: WriteRequests, what: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const r = await call("BatchWriteItem", () => doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } })));
    const left = r.UnprocessedItems?.[table];
    if (!left?.length) return;
    if (attempt >= UNPROCESSED_ATTEMPTS) {
      throw new StoreUnavailableError(`DynamoDB BatchWriteItem throttled: ${left.length} ${what} still unwritten after ${attempt} attempts`, "UnprocessedItems", true);
    }
    await backoff(attempt);
    requests = left as WriteRequests;
  }
}
