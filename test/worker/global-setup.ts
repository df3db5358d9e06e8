/**
 * Runs in Node before the workerd tests: the servers a Worker reaches over loopback, as it would
 * reach a provider and DynamoDB — an OpenAI-compatible upstream replaying recorded wire data, and
 * dynalite with the store's tables.
 */
import type { TestProject } from "vitest/node";
import { createTables } from "../../core/store/dynamodb/tables.js";
import { startDynalite } from "../../functions/node/store.js";
import { startOpenAIUpstream } from "../helpers/openai-upstream.js";
import { DYNAMO_TABLES } from "./shared.js";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const upstream = await startOpenAIUpstream();
  const dynamo = await startDynalite();
  await createTables(dynamo.client, DYNAMO_TABLES, { ttl: false });
  project.provide("upstreamUrl", upstream.url);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  return async () => {
    await upstream.close();
    await dynamo.close();
  };
}
