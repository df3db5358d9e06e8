import type { Env, Logger } from "../../core/runtime.js";
import type { Store } from "../../core/store/types.js";
import { parseStoreName } from "../boot.js";

/**
 * STRAIT_STORE on Lambda (names and errors from functions/boot.ts):
 *   dynamodb  (set by the CDK stack) the DynamoDB store over the stack's tables, named by STRAIT_TABLE_*,
 *             through the function's IAM role
 *   memory    one execution environment's memory: each counts alone, nothing survives it (trying things out)
 *   none      (or unset) no store: keys, limits and cache off; gateway tokens only
 * Stores are imported on first use, so the SDK is not evaluated at module load.
 */
export async function lambdaStore(env: Env, log: Logger): Promise<Store | undefined> {
  const kind = parseStoreName(env.STRAIT_STORE, "lambda", "none");
  if (kind === "dynamodb") {
    const { dynamodbStoreFromEnv } = await import("../../core/store/dynamodb/index.js");
    return dynamodbStoreFromEnv(env);
  }
  if (kind === "memory") {
    log.warn("STRAIT_STORE=memory: keys, limits and usage live in one execution environment's memory and are lost when it stops; each environment counts on its own.");
    const { memoryStore } = await import("../../core/store/memory.js");
    return memoryStore();
  }
  return undefined;
}
