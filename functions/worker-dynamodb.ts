/**
 * The Worker on the AWS deployment's DynamoDB tables (`npx wrangler deploy -c wrangler.dynamodb.toml`):
 * both clouds share one set of keys, limits and usage. A separate entry because the AWS SDK
 * more than doubles the bundle, and bundle size is cold start (docs/deploy-cloudflare.md).
 */
import { createWorker } from "./worker/handler.js";

export { StoreObject } from "../core/store/cloudflare/index.js";

export default createWorker({ dynamodb: () => import("../core/store/dynamodb/index.js") });
