/**
 * maxParallel where instances share the store (Lambda, Workers): each instance serves few requests
 * (a Lambda environment one at a time), so in-flight calls are counted in the store. Here two
 * local servers stand for two instances on one DynamoDB store (dynalite).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config.js";
import { silentLogger } from "../../core/runtime.js";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { createTables } from "../../core/store/dynamodb/tables.js";
import { startServer, type RunningServer } from "../../functions/node/server.js";
import { startDynalite } from "../../functions/node/store.js";
import { sendJson, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { ADMIN_TOKEN, admin, chat } from "./keys-helpers.js";

let upstream: MockUpstream;
const release: Array<() => void> = [];
let db: Awaited<ReturnType<typeof startDynalite>>;
let a: RunningServer;
let b: RunningServer;

beforeAll(async () => {
  // Holds every answer until the test lets them go.
  upstream = await startMockUpstream(async (_req, res) => {
    await new Promise<void>((r) => release.push(r));
    sendJson(res, 200, { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  });
  db = await startDynalite();
  const tables = { keys: "if-keys", cache: "if-cache", limits: "if-limits", usage: "if-usage", responses: "if-responses", logs: "if-logs" };
  await createTables(db.client, tables, { ttl: false });
  const store = dynamodbStore({ client: db.client, tables, transactions: false });
  const env = { STRAIT_ADMIN_TOKEN: ADMIN_TOKEN };
  const config = () => loadConfig({ providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-upstream-0123456789"] } } }, env, { allowOpen: true });
  // Not the owner of their counters: the store is shared, as on Lambda and Workers.
  a = await startServer({ config: config(), host: "127.0.0.1", port: 0, log: silentLogger, env, store });
  b = await startServer({ config: config(), host: "127.0.0.1", port: 0, log: silentLogger, env, store });
});

afterAll(async () => {
  for (const r of release) r();
  await a?.close();
  await b?.close();
  await upstream?.close();
  await db?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(n: number) {
  for (let i = 0; i < 100 && release.length < n; i++) await sleep(20);
  expect(release.length).toBe(n);
}

describe("maxParallel on a shared store", () => {
  it("binds across instances, and a finished call gives its slot back", async () => {
    const { json: k } = await admin(a, "POST", "/admin/keys", { name: "two-at-once", maxParallel: 2 });
    const first = chat(a, k.key, "openai/m");
    const second = chat(b, k.key, "openai/m");
    await waitFor(2);
    // Both slots are taken, one on each instance: a third call on either is refused.
    const third = await chat(b, k.key, "openai/m");
    expect(third.status).toBe(429);
    expect(third.json.error.message).toContain("2 requests in flight");
    expect(third.headers.get("retry-after")).toBe("1");
    for (const r of release.splice(0)) r();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    await sleep(100); // the slots go back in the work after the answer
    const next = chat(a, k.key, "openai/m");
    await waitFor(1);
    for (const r of release.splice(0)) r();
    expect((await next).status).toBe(200);
  });
});
