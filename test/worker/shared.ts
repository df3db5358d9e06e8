/** Values shared by the Node-side global setup and the tests inside workerd (no Node imports here). */
import type { TableNames } from "../../core/store/dynamodb/tables.js";

export const DYNAMO_TABLES: TableNames = { keys: "w-keys", cache: "w-cache", limits: "w-limits", usage: "w-usage", responses: "w-responses", logs: "w-logs" };
/** The store contract's own tables: its purge() of the whole cache must not race the Worker tests. */
export const DYNAMO_CONTRACT_TABLES: TableNames = { keys: "wc-keys", cache: "wc-cache", limits: "wc-limits", usage: "wc-usage", responses: "wc-responses", logs: "wc-logs" };
export const GATEWAY_TOKEN = "strait-worker-test-token";
