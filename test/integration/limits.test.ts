/** Rate limits, budgets and the fail-closed store, against the real server on memory and dynalite. */
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamodbStore } from "../../core/store/dynamodb/index.js";
import { createTables, type TableNames } from "../../core/store/dynamodb/tables.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";
import { startDynalite, type EmbeddedDynamo } from "../../functions/node/store.js";
import { startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { admin, chat, startKeysGateway, type TestGateway } from "./keys-helpers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps a burst away from a minute boundary, so "exactly N pass" does not depend on the clock. */
async function awayFromMinuteEdge(marginMs = 10_000) {
  const into = Date.now() % 60_000;
  if (into > 60_000 - marginMs) await sleep(60_000 - into + 50);
}

/** Waits for the work after the response (usage, token counters) to land. */
async function until(check: () => Promise<boolean>, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error("timed out waiting");
}

async function burst(gw: TestGateway, key: string, n: number) {
  const results = await Promise.all(Array.from({ length: n }, () => chat(gw, key)));
  return { ok: results.filter((r) => r.status === 200), limited: results.filter((r) => r.status === 429), other: results.filter((r) => r.status !== 200 && r.status !== 429) };
}

let db: EmbeddedDynamo;
const tables: TableNames = { keys: "lim-keys", cache: "lim-cache", limits: "lim-limits", usage: "lim-usage", responses: "lim-responses", logs: "lim-logs" };
beforeAll(async () => {
  db = await startDynalite();
  await createTables(db.client, tables, { ttl: false });
});
afterAll(() => db?.close());

const stores: Array<[string, () => Store]> = [
  ["memory", () => memoryStore()],
  ["dynalite", () => dynamodbStore({ client: db.client, tables, transactions: false })],
];

// DynamoDB Local, when test/store/run-dynamodb-local.sh runs this file inside its loopback-only namespace.
const ddbLocal = process.env.STRAIT_DDB_LOCAL_ENDPOINT;
if (ddbLocal) {
  const client = new DynamoDBClient({ endpoint: ddbLocal, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const localTables: TableNames = { keys: "lim-keys", cache: "lim-cache", limits: "lim-limits", usage: "lim-usage", responses: "lim-responses", logs: "lim-logs" };
  let created: Promise<void> | undefined;
  beforeAll(() => (created ??= createTables(client, localTables, { ttl: true })));
  afterAll(() => client.destroy());
  stores.push(["DynamoDB Local", () => dynamodbStore({ client, tables: localTables, transactions: true })]);
}

for (const [name, makeStore] of stores) {
  describe(`200 requests at once against rpm 50 (${name})`, () => {
    it("admits exactly 50, the rest get 429 with retry-after and x-ratelimit headers", async () => {
      const gw = await startKeysGateway({ store: makeStore() });
      try {
        const { json: k } = await admin(gw, "POST", "/admin/keys", { name: `burst-${name}`, rpm: 50 });
        await awayFromMinuteEdge();
        const { ok, limited, other } = await burst(gw, k.key, 200);
        expect(other.map((r) => r.status)).toEqual([]);
        expect(ok).toHaveLength(50);
        expect(limited).toHaveLength(150);

        for (const r of ok) {
          expect(r.headers.get("x-ratelimit-limit-requests")).toBe("50");
          expect(r.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+m)?\d+(ms|s)$/);
        }
        const remaining = ok.map((r) => Number(r.headers.get("x-ratelimit-remaining-requests"))).sort((a, b) => a - b);
        expect(remaining).toEqual(Array.from({ length: 50 }, (_, i) => i));

        const r = limited[0]!;
        expect(r.json.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
        expect(r.json.error.message).toContain("50 requests per minute");
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        // Sliding: until this minute ends, plus the time for its 50 to fade to 49 (1.2 s).
        expect(Number(r.headers.get("retry-after"))).toBeLessThanOrEqual(62);
        expect(r.headers.get("x-ratelimit-remaining-requests")).toBe("0");
        expect(r.headers.get("x-ratelimit-limit-requests")).toBe("50");
      } finally {
        await gw.close();
      }
    });
  });
}

describe("rate limits", () => {
  it("fixed window: the 6th request of 5 rpm is refused; the openai SDK sees a RateLimitError", async () => {
    const gw = await startKeysGateway({ env: { STRAIT_RATE_LIMIT_WINDOW: "fixed" } });
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "fixed", rpm: 5 });
      await awayFromMinuteEdge();
      const sdk = new OpenAI({ apiKey: k.key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
      for (let i = 0; i < 5; i++) {
        const { response } = await sdk.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "x" }] }).withResponse();
        expect(response.headers.get("x-ratelimit-remaining-requests")).toBe(String(4 - i));
      }
      const err = await sdk.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.status).toBe(429);
      expect(err.code).toBe("rate_limit_exceeded");
      const retry = Number(err.headers.get("retry-after"));
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
    } finally {
      await gw.close();
    }
  });

  it("tokens per minute are counted from real usage after the response and checked before the next", async () => {
    const gw = await startKeysGateway();
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "tpm", tpm: 10 });
      await awayFromMinuteEdge();
      // Each mock answer uses 6 tokens ("hello there" → "You said: hello there").
      const first = await chat(gw, k.key);
      expect(first.status).toBe(200);
      expect(first.json.usage.total_tokens).toBe(6);
      expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("10");
      expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe("10");
      const counted = async (n: number) => (await gw.store.limits.get(`tpm:key:${k.id}`, Date.now() - (Date.now() % 60_000))) >= n;
      await until(() => counted(6));
      const second = await chat(gw, k.key);
      expect(second.status).toBe(200);
      expect(Number(second.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThanOrEqual(4);
      await until(() => counted(12));
      const third = await chat(gw, k.key);
      expect(third.status).toBe(429);
      expect(third.json.error.code).toBe("rate_limit_exceeded");
      expect(third.json.error.message).toContain("10 tokens per minute");
      expect(third.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
      expect(third.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await gw.close();
    }
  });

  it("gateway-wide and per-provider limits from config; a limited provider falls back to the next target", async () => {
    const gw = await startKeysGateway({
      file: { limits: { rpm: 4, providers: { mock: { rpm: 1 } } }, models: { chain: ["mock/echo", "echo2/echo"] }, providers: { echo2: { type: "mock" } } },
      env: { STRAIT_GATEWAY_TOKENS: "tok" },
    });
    try {
      await awayFromMinuteEdge();
      const a = await chat(gw, "tok", "chain");
      expect(a.status).toBe(200);
      expect(a.headers.get("x-ratelimit-limit-requests")).toBe("4");
      const b = await chat(gw, "tok", "chain"); // mock is at its 1 rpm: echo2 answers
      expect(b.status).toBe(200);
      const direct = await chat(gw, "tok", "mock/echo");
      expect(direct.status).toBe(429);
      expect(direct.json.error.message).toContain('Provider "mock"');
      expect((await chat(gw, "tok", "echo2/echo")).status).toBe(200);
      const gatewayFull = await chat(gw, "tok", "echo2/echo");
      expect(gatewayFull.status).toBe(429);
      expect(gatewayFull.json.error.message).toContain("The gateway has reached its limit of 4 requests per minute");
    } finally {
      await gw.close();
    }
  });

  it("gateway-wide tokens per minute count on an open gateway too", async () => {
    const gw = await startKeysGateway({ admin: false, file: { limits: { tpm: 10 } } });
    try {
      await awayFromMinuteEdge();
      const counted = async (n: number) => (await gw.store.limits.get("tpm:gateway", Date.now() - (Date.now() % 60_000))) >= n;
      expect((await chat(gw, undefined)).status).toBe(200);
      await until(() => counted(6));
      expect((await chat(gw, undefined)).status).toBe(200);
      await until(() => counted(12));
      const refused = await chat(gw, undefined);
      expect(refused.status).toBe(429);
      expect(refused.json.error.message).toContain("The gateway has used its 10 tokens per minute");
      expect(await gw.store.usage.query({})).toEqual([]);
    } finally {
      await gw.close();
    }
  });

  it("maxParallel caps requests in flight per key (streams hold their slot until they end)", async () => {
    const gw = await startKeysGateway();
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "parallel", maxParallel: 2 });
      const results = await Promise.all(Array.from({ length: 4 }, () => chat(gw, k.key, "mock/slow-300")));
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
      expect(results.find((r) => r.status === 429)!.json.error.message).toContain("in flight");
      expect((await chat(gw, k.key)).status).toBe(200);

      const { json: one } = await admin(gw, "POST", "/admin/keys", { name: "parallel-1", maxParallel: 1 });
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${one.key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mock/slow-50", stream: true, messages: [{ role: "user", content: "a b c" }] }),
      });
      expect(res.status).toBe(200);
      expect((await chat(gw, one.key)).status).toBe(429); // the stream is still running
      expect(await res.text()).toContain("[DONE]");
      expect((await chat(gw, one.key)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it("streams and pass-through calls carry the headers and count against the key", async () => {
    const upstream = await startMockUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
    const gw = await startKeysGateway({ file: { providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-gateway-key-123456"] } } } });
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "stream", rpm: 3, tpm: 1000 });
      await awayFromMinuteEdge();
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "mock/echo", stream: true, messages: [{ role: "user", content: "a b" }] }),
      });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      expect(res.headers.get("x-ratelimit-limit-requests")).toBe("3");
      expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("2");
      expect(res.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
      await res.text();
      const pt = await fetch(`${gw.url}/openai/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${k.key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-4o-mini", messages: [] }) });
      expect(pt.status).toBe(200);
      expect(pt.headers.get("x-ratelimit-remaining-requests")).toBe("1");
      expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-gateway-key-123456");
      expect((await chat(gw, k.key)).status).toBe(200);
      expect((await chat(gw, k.key)).status).toBe(429);
      // The models listing is not an upstream call: never limited.
      expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${k.key}` } })).status).toBe(200);
      await until(async () => (await admin(gw, "GET", `/admin/usage?key=${k.id}`)).json.totals.requests === 3);
      const models = (await admin(gw, "GET", `/admin/usage?key=${k.id}`)).json.data.map((r: any) => r.model);
      expect(models.sort()).toEqual(["mock/echo", "openai/gpt-4o-mini"]);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it("with no keys and no limits, auth and limits make no store call", async () => {
    const calls: string[] = [];
    const inner = memoryStore();
    const counting = new Proxy(inner, {
      get: (t, area: string) =>
        new Proxy((t as any)[area], { get: (o, op: string) => (...args: unknown[]) => (calls.push(`${area}.${op}`), (o as any)[op](...args)) }),
    }) as Store;
    const gw = await startKeysGateway({ store: counting, admin: false });
    try {
      for (let i = 0; i < 20; i++) expect((await chat(gw, undefined)).status).toBe(200);
      // One look at whether any key exists, then cached for the key-cache TTL; no usage for an open
      // gateway. The request log and analytics write after the answers, in batches.
      expect(calls.filter((c) => !c.startsWith("logs.") && !c.startsWith("analytics."))).toEqual(["keys.list"]);
      await gw.settled();
      expect(calls.filter((c) => c === "logs.put").length).toBeLessThanOrEqual(20);
    } finally {
      await gw.close();
    }
  });
});

describe("budgets", () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await startMockUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 200 } } }));
    });
  });
  afterAll(() => upstream?.close());

  it("a key at its budget gets 429 budget_exceeded before any upstream call; usage shows the cost", async () => {
    // $100 / $400 / $10 per 1M tokens: 800 × 100 + 200 × 10 + 500 × 400 = 282,000 micro-dollars a call.
    const gw = await startKeysGateway({ file: { providers: { openai: { baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-gateway-key-123456"] } }, prices: { "openai/gpt-4o-mini": { input: 100, output: 400, cachedInput: 10 } } } });
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "budget", rpm: 100, budget: { usd: 0.5, period: "day" } });
      const spendOf = async () => (await admin(gw, "GET", `/admin/keys/${k.id}`)).json.spend;
      expect((await chat(gw, k.key, "openai/gpt-4o-mini")).status).toBe(200);
      await until(async () => (await spendOf()).day >= 0.282);
      expect(await spendOf()).toEqual({ day: 0.282, month: 0.282, total: 0.282 });
      expect((await chat(gw, k.key, "openai/gpt-4o-mini")).status).toBe(200);
      await until(async () => (await spendOf()).day >= 0.564);

      const before = upstream.requests.length;
      const refused = await chat(gw, k.key, "openai/gpt-4o-mini");
      expect(refused.status).toBe(429);
      expect(refused.json.error).toMatchObject({ code: "budget_exceeded", type: "insufficient_quota" });
      expect(refused.json.error.message).toMatch(/spent \$0\.56 of its \$0\.50 daily budget\. It resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z/);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused.headers.get("x-ratelimit-limit-requests")).toBe("100");
      expect(upstream.requests.length).toBe(before);

      const usage = await admin(gw, "GET", `/admin/usage?key=${k.id}`);
      expect(usage.json.data).toEqual([{ key: k.id, day: new Date().toISOString().slice(0, 10), model: "openai/gpt-4o-mini", requests: 2, cacheHits: 0, tokensIn: 2000, tokensOut: 1000, costUsd: 0.564 }]);
      expect(usage.json.totals).toEqual({ requests: 2, cacheHits: 0, tokensIn: 2000, tokensOut: 1000, costUsd: 0.564 });

      // Raising the budget lets the key through again at once on this host.
      expect((await admin(gw, "PATCH", `/admin/keys/${k.id}`, { budget: { usd: 5, period: "month" } })).status).toBe(200);
      expect((await chat(gw, k.key, "openai/gpt-4o-mini")).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it("flags a model with no price in the log and counts it as 0", async () => {
    const gw = await startKeysGateway({ file: { providers: { mystery: { type: "openai-compatible", baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-gateway-key-123456"] } } } });
    try {
      const { json: k } = await admin(gw, "POST", "/admin/keys", { name: "unpriced" });
      expect((await chat(gw, k.key, "mystery/model-x")).status).toBe(200);
      await until(async () => (await admin(gw, "GET", `/admin/usage?key=${k.id}`)).json.data.length === 1);
      expect((await admin(gw, "GET", `/admin/usage?key=${k.id}`)).json.data[0]).toMatchObject({ model: "mystery/model-x", costUsd: 0, tokensIn: 1000 });
      expect(gw.logs.find((l) => l.level === "warn" && l.msg.startsWith("no price for model"))?.fields).toEqual({ model: "mystery/model-x" });
    } finally {
      await gw.close();
    }
  });
});

describe("the store fails: limits fail closed", () => {
  it("DynamoDB throttling (ProvisionedThroughputExceeded) → 503, logged; never allowed", async () => {
    const gw = await startKeysGateway({ store: dynamodbStore({ client: db.client, tables, transactions: false }) });
    const { json: limitedKey } = await admin(gw, "POST", "/admin/keys", { name: "throttled", rpm: 100 });
    const { json: freshKey } = await admin(gw, "POST", "/admin/keys", { name: "never-seen" });
    expect((await chat(gw, limitedKey.key)).status).toBe(200); // its record is now in the lookup cache
    await sleep(100); // the work after that response
    const mock = mockClient(DynamoDBDocumentClient);
    try {
      const throttled = new ProvisionedThroughputExceededException({ message: "Rate of requests exceeds the allowed throughput.", $metadata: {} });
      mock.on(UpdateCommand).rejects(throttled);
      mock.on(GetCommand).rejects(throttled);

      const res = await chat(gw, limitedKey.key);
      expect(res.status).toBe(503);
      expect(res.json.error).toMatchObject({ code: "store_unavailable", type: "api_error" });
      expect(res.json.error.message).toContain("throttled");
      expect(res.headers.get("retry-after")).toBe("1");
      const line = gw.logs.find((l) => l.level === "error" && l.msg.includes("fail closed"));
      expect(line?.fields).toMatchObject({ stage: "limits", code: "ProvisionedThroughputExceededException", throttled: true });

      // A key not yet in the cache cannot be checked either: 503, not 401 and not allowed.
      const auth = await chat(gw, freshKey.key);
      expect(auth.status).toBe(503);
      expect(gw.logs.some((l) => l.fields?.stage === "auth")).toBe(true);
    } finally {
      mock.restore();
      await gw.close();
    }
  });
});
