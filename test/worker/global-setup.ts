/**
 * Runs in Node before the workerd tests: the servers a Worker reaches over loopback, as it would
 * reach a provider and DynamoDB — an OpenAI-compatible upstream replaying recorded wire data, and
 * dynalite with the store's tables.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { createTables } from "../../core/store/dynamodb/tables.js";
import { startOpenAIUpstream } from "../helpers/openai-upstream.js";
import { DYNAMO_CONTRACT_TABLES, DYNAMO_TABLES } from "./shared.js";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
    dynamoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const upstream = await startOpenAIUpstream();
  // On a loopback port, not the embedded store's Unix socket: workerd reaches it over TCP, as a Worker reaches DynamoDB.
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((ok, fail) => {
    dynamo.once("error", fail);
    dynamo.listen(0, "127.0.0.1", () => ok());
  });
  const endpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: "local", credentials: { accessKeyId: "setup", secretAccessKey: "setup" } });
  await createTables(client, DYNAMO_TABLES, { ttl: false });
  await createTables(client, DYNAMO_CONTRACT_TABLES, { ttl: false });
  client.destroy();
  project.provide("upstreamUrl", upstream.url);
  project.provide("dynamoEndpoint", endpoint);
  return async () => {
    await upstream.close();
    await new Promise<void>((ok) => dynamo.close(() => ok()));
  };
}
