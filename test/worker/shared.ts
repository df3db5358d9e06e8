/** Values shared by the Node-side global setup and the tests inside workerd (no Node imports here). */
import type { TableNames } from "../../core/store/dynamodb/tables.js";

export const DYNAMO_TABLES: TableNames = { keys: "w-keys", cache: "w-cache", limits: "w-limits", usage: "w-usage" };
export const GATEWAY_TOKEN = "strait-worker-test-token";
