import type { Env } from "../../core/runtime.js";
import type { Store } from "../../core/store/types.js";

/**
 * STRAIT_STORE=dynamodb (set by the CDK stack): the DynamoDB store over the stack's tables, named by
 * STRAIT_TABLE_*, through the function's IAM role. Imported on first use, so the SDK is not evaluated
 * at module load. Any other value: no store (keys, limits and cache off; gateway tokens only).
 */
export async function lambdaStore(env: Env): Promise<Store | undefined> {
  const kind = env.STRAIT_STORE ?? "";
  if (kind === "" || kind === "none") return undefined;
  if (kind !== "dynamodb") throw new Error(`STRAIT_STORE="${kind}" is not available on Lambda; use "dynamodb".`);
  const { dynamodbStoreFromEnv } = await import("../../core/store/dynamodb/index.js");
  return dynamodbStoreFromEnv(env);
}
