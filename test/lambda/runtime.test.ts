/**
 * The bundled Lambda function (esbuild, as deployed) run by the real runtime client, aws-lambda-ric,
 * against the Runtime API + Function URL emulator in test/helpers. Clients are the official
 * `openai` SDK and plain fetch; the upstream is the gateway's mock provider or a local server.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import OpenAI from "openai";
import { createTables, tableNamesFromEnv } from "../../core/store/dynamodb/tables.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTarget } from "../../scripts/build.mjs";
import { lambdaRic, skipWithout } from "../helpers/optional.js";
import { runFunction, type RunningFunction } from "./run-function.js";

const root = join(import.meta.dirname, "../..");
// Every suite here runs the function under aws-lambda-ric, whose native build may be missing (see test/helpers/optional.ts).
const noRic = skipWithout(import.meta.url, lambdaRic());
const TOKEN = "gw-runtime-test-token-0123456789";

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Reads an SSE body, giving each event with the time it arrived. */
async function* events(body: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      yield { data: buf.slice(0, i).replace(/^data: /, ""), at: Date.now() };
      buf = buf.slice(i + 2);
    }
  }
}

/**
 * An OpenAI-compatible upstream that sends the first token, then holds the rest until the test
 * releases it, so "the first token reached the client before the upstream finished" is a fact
 * rather than a timing guess.
 */
function gatedUpstream() {
  let release!: () => void;
  let finished = false;
  const gate = new Promise<void>((r) => (release = r));
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(chunk({ role: "assistant", content: "Hello" }));
    await gate;
    res.write(chunk({ content: " world" }));
    res.write(chunk({}, "stop"));
    res.end("data: [DONE]\n\n");
    finished = true;
  });
  return { server, release, finished: () => finished };
}

/** Secrets Manager's GetSecretValue, for the SDK the function bundles (AWS_ENDPOINT_URL_SECRETS_MANAGER). */
function fakeSecretsManager(secret: object) {
  let calls = 0;
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const c of req) body += c;
    if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify({ __type: "UnknownOperationException" }));
      return;
    }
    calls++;
    const { SecretId } = JSON.parse(body);
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify({ ARN: SecretId, Name: "strait", SecretString: JSON.stringify(secret), VersionId: "v1", CreatedDate: 1 }));
  });
  return { server, calls: () => calls };
}

describe.skipIf(noRic)("the gateway bundle under aws-lambda-ric (streamHandler)", () => {
  let fn: RunningFunction;
  const upstream = gatedUpstream();
  const secrets = fakeSecretsManager({ STRAIT_GATEWAY_TOKENS: TOKEN, STRAIT_ADMIN_TOKEN: "admin-runtime-test-0123456789" });
  let openai: OpenAI;

  beforeAll(async () => {
    const dir = join(root, "dist/test-lambda");
    await buildTarget("lambda", { outfile: join(dir, "index.mjs") });
    const upstreamUrl = await listen(upstream.server);
    const secretsUrl = await listen(secrets.server);
    fn = await runFunction(dir, "streamHandler", {
      // The gateway token exists only in the secret: requests pass only if the secret was read.
      STRAIT_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:strait-AbCdEf",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDTESTTESTTESTTEST",
      AWS_SECRET_ACCESS_KEY: "test-secret",
      AWS_SESSION_TOKEN: "test-session",
      STRAIT_CONFIG_JSON: JSON.stringify({ providers: { local: { type: "openai-compatible", baseUrl: `${upstreamUrl}/v1`, apiKeys: ["sk-upstream-0123456789"] } } }),
      STRAIT_LOG_LEVEL: "warn",
    });
    openai = new OpenAI({ baseURL: `${fn.emu.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
  });

  afterAll(async () => {
    upstream.release();
    await fn?.stop();
    upstream.server.closeAllConnections();
    upstream.server.close();
    secrets.server.close();
  });

  it("streams a chat completion to the OpenAI SDK: status, headers, tokens, [DONE]", async () => {
    const { data: stream, response } = await openai.chat.completions.create({ model: "mock/echo", stream: true, messages: [{ role: "user", content: "hi from lambda" }] }).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("You said: hi from lambda");
    const inv = fn.emu.invocations.at(-1)!;
    await inv.done;
    expect(inv.mode).toBe("streaming");
    expect(inv.error).toBeUndefined();
    // The prelude the function sent carries no hop-by-hop headers.
    for (const h of ["connection", "keep-alive", "transfer-encoding"]) expect(inv.prelude?.headers?.[h]).toBeUndefined();
  });

  it("reads the secret once per execution environment", async () => {
    for (let i = 0; i < 2; i++) await openai.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "x" }] });
    expect(secrets.calls()).toBe(1);
  });

  it("the first token reaches the client while the upstream is still sending", async () => {
    const res = await fetch(`${fn.emu.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "local/m", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    const it = events(res.body!);
    let first = await it.next();
    while (!first.done && !first.value.data.includes("Hello")) first = await it.next();
    expect(first.value?.data).toContain("Hello");
    expect(upstream.finished()).toBe(false);
    upstream.release();
    const rest: string[] = [];
    for await (const ev of it) rest.push(ev.data);
    expect(upstream.finished()).toBe(true);
    expect(rest.join("")).toContain(" world");
    expect(rest.at(-1)).toBe("[DONE]");
  });

  it("body chunks arrive one by one as a slow upstream produces them", async () => {
    const res = await fetch(`${fn.emu.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock/slow-300", stream: true, messages: [{ role: "user", content: "a b c" }] }),
    });
    const arrivals: number[] = [];
    for await (const ev of events(res.body!)) if (ev.data.includes('"content":"') && !ev.data.includes('"content":""')) arrivals.push(ev.at);
    expect(arrivals.length).toBe(5); // "You said: a b c" in five words
    // Each word waited 300 ms upstream; they were not held back and sent together.
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[i - 1]!).toBeGreaterThan(150);
  });

  it("an upstream cut mid-stream ends the stream with an OpenAI error event, no [DONE]", async () => {
    const res = await fetch(`${fn.emu.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock/cut-2", stream: true, messages: [{ role: "user", content: "one two three four" }] }),
    });
    expect(res.status).toBe(200);
    const all: string[] = [];
    for await (const ev of events(res.body!)) all.push(ev.data);
    const last = JSON.parse(all.at(-1)!);
    expect(last.error).toMatchObject({ type: "api_error" });
    expect(all).not.toContain("[DONE]");
    const inv = fn.emu.invocations.at(-1)!;
    await inv.done;
    expect(inv.error).toBeUndefined();
  });

  it("a client that goes away mid-stream: the function finishes its invocation and keeps serving", async () => {
    const ac = new AbortController();
    const res = await fetch(`${fn.emu.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock/slow-150", stream: true, messages: [{ role: "user", content: "w1 w2 w3 w4 w5 w6" }] }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    const inv = fn.emu.invocations.at(-1)!;
    await inv.returned;
    expect(inv.clientGone).toBe(true);
    // The function wrote the rest of its answer (nobody read it) and returned normally.
    expect(inv.chunks.length).toBeGreaterThan(3);
    expect(inv.error).toBeUndefined();
    expect(fn.exited()).toBe(false);
    const again = await openai.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "still here" }] });
    expect(again.choices[0]?.message.content).toBe("You said: still here");
  });

  it("errors before the stream are OpenAI JSON with their status (bad key, bad JSON)", async () => {
    const bad = new OpenAI({ baseURL: `${fn.emu.url}/v1`, apiKey: "wrong-key", maxRetries: 0 });
    const err = await bad.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const res = await fetch(`${fn.emu.url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: "{nope" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.type).toBe("invalid_request_error");
    expect(fn.output()).not.toContain(TOKEN);
  });
});

describe.skipIf(noRic)("as deployed: secret with only the admin token, DynamoDB store (dynalite), virtual keys", () => {
  let fn: RunningFunction;
  const ADMIN = "admin-deployed-test-0123456789abcdef";
  const secrets = fakeSecretsManager({ STRAIT_ADMIN_TOKEN: ADMIN });
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  let client: DynamoDBClient;
  const tableEnv = { STRAIT_TABLE_PREFIX: "lambda-test-" };

  beforeAll(async () => {
    const dir = join(root, "dist/test-lambda");
    await buildTarget("lambda", { outfile: join(dir, "index.mjs") });
    const dbUrl = await listen(db);
    client = new DynamoDBClient({ endpoint: dbUrl, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
    await createTables(client, tableNamesFromEnv(tableEnv), { ttl: false });
    fn = await runFunction(dir, "streamHandler", {
      ...tableEnv,
      STRAIT_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:strait-AbCdEf",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: await listen(secrets.server),
      STRAIT_STORE: "dynamodb",
      STRAIT_DYNAMODB_ENDPOINT: dbUrl,
      // dynalite has no TransactWriteItems.
      STRAIT_DYNAMODB_TRANSACTIONS: "false",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDTESTTESTTESTTEST",
      AWS_SECRET_ACCESS_KEY: "test-secret",
      STRAIT_LOG_LEVEL: "warn",
    });
  });
  afterAll(async () => {
    await fn?.stop();
    client?.destroy();
    db.close();
    secrets.server.close();
  });

  it("refuses API calls until a key exists; the admin token from the secret issues one; it streams", async () => {
    const anon = new OpenAI({ baseURL: `${fn.emu.url}/v1`, apiKey: "sk-strait-not-a-key", maxRetries: 0 });
    expect(await anon.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "x" }] }).catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);

    const created = await fetch(`${fn.emu.url}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "lambda-test" }),
    });
    expect(created.status).toBe(201);
    const { key, id } = await created.json();
    expect(key).toMatch(/^sk-strait-/);

    const openai = new OpenAI({ baseURL: `${fn.emu.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: "mock/echo", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "counted words" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("You said: counted words");

    // Usage is deferred work: written to DynamoDB before the invocation returned.
    await fn.emu.invocations.at(-1)!.returned;
    const usage = await fetch(`${fn.emu.url}/admin/usage?key=${id}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(usage.status).toBe(200);
    const report = await usage.json();
    expect(report.data).toHaveLength(1);
    expect(report.data[0]).toMatchObject({ requests: 1 });
    expect(fn.output()).not.toContain(key);
    expect(fn.output()).not.toContain(ADMIN);
  });
});

describe.skipIf(noRic)("the adapter under aws-lambda-ric (echo fixture)", () => {
  let fn: RunningFunction;

  beforeAll(async () => {
    const dir = join(root, "dist/test-lambda-echo");
    await buildTarget("lambda", { entry: join(root, "test/lambda/fixtures/echo-handler.ts"), outfile: join(dir, "index.mjs") });
    fn = await runFunction(dir, "streamHandler");
  });
  afterAll(() => fn?.stop());

  it("method, raw path and query, cookies and a binary body reach the app; status, headers and cookies come back", async () => {
    const res = await fetch(`${fn.emu.url}/echo?a=1&b=%20x&a=2`, {
      method: "PUT",
      headers: { cookie: "session=abc; theme=dark", "x-custom": "yes", "content-type": "application/octet-stream" },
      body: new Uint8Array([0, 1, 254, 255]),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-echo")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    const inv = fn.emu.invocations.at(-1)!;
    expect(inv.event.isBase64Encoded).toBe(true);
    expect(inv.event.cookies).toEqual(["session=abc", "theme=dark"]);
    expect(inv.prelude?.headers).not.toHaveProperty("connection");
    expect(inv.prelude?.headers).not.toHaveProperty("keep-alive");
    expect(inv.prelude?.cookies).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    expect(await res.json()).toEqual({ method: "PUT", path: "/echo", query: "?a=1&b=%20x&a=2", cookie: "session=abc; theme=dark", custom: "yes", body: [0, 1, 254, 255] });
  });

  it("an empty body still delivers status and headers", async () => {
    const res = await fetch(`${fn.emu.url}/empty`);
    expect(res.status).toBe(204);
    expect(res.headers.get("x-empty")).toBe("1");
  });

  it("chunks are written as produced, not at the end", async () => {
    const res = await fetch(`${fn.emu.url}/slow?n=4&ms=200`);
    const at: number[] = [];
    for await (const _ of events(res.body!)) at.push(Date.now());
    expect(at).toHaveLength(4);
    expect(at[3]! - at[0]!).toBeGreaterThan(450);
    const inv = fn.emu.invocations.at(-1)!;
    expect(inv.chunks.length).toBeGreaterThanOrEqual(4);
  });

  it("a timer left running does not hold the invocation open (the runtime takes the next event)", async () => {
    const t0 = Date.now();
    expect(await (await fetch(`${fn.emu.url}/timer`)).text()).toBe("ok");
    await fn.emu.invocations.at(-1)!.returned;
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("deferred work finishes before the invocation does", async () => {
    const t0 = Date.now();
    const res = await fetch(`${fn.emu.url}/deferred`);
    expect(await res.text()).toBe("ok");
    const inv = fn.emu.invocations.at(-1)!;
    await inv.done;
    // The client had its answer at once; the handler returned only after the deferred work.
    expect(fn.output()).not.toContain("DEFERRED-DONE");
    await inv.returned;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(fn.output()).toContain("DEFERRED-DONE");
  });
});

describe.skipIf(noRic)("the adapter's buffered handler under aws-lambda-ric (API Gateway REST and ALB events)", () => {
  let fn: RunningFunction;
  beforeAll(async () => {
    const dir = join(root, "dist/test-lambda-echo");
    await buildTarget("lambda", { entry: join(root, "test/lambda/fixtures/echo-handler.ts"), outfile: join(dir, "index.mjs") });
    fn = await runFunction(dir, "handler");
  });
  afterAll(() => fn?.stop());

  it("API Gateway REST (payload 1.0): multi-value query and headers in, multiValueHeaders with every cookie out", async () => {
    const inv = fn.emu.invoke({
      resource: "/{proxy+}",
      path: "/echo",
      httpMethod: "POST",
      headers: { "content-type": "text/plain", cookie: "s=1" },
      multiValueHeaders: { "content-type": ["text/plain"], cookie: ["s=1"], "x-custom": ["yes"] },
      queryStringParameters: { q: "a b" },
      multiValueQueryStringParameters: { q: ["a b", "c"] },
      requestContext: { requestId: "r1" },
      body: Buffer.from([7, 8, 9]).toString("base64"),
      isBase64Encoded: true,
    });
    await inv.returned;
    expect(inv.mode).toBe("buffered");
    expect(inv.result).toMatchObject({ statusCode: 201, isBase64Encoded: false, multiValueHeaders: { "x-echo": ["yes"], "set-cookie": ["a=1; Path=/", "b=2; HttpOnly"] } });
    expect(inv.result.multiValueHeaders).not.toHaveProperty("connection");
    expect(JSON.parse(inv.result.body)).toEqual({ method: "POST", path: "/echo", query: "?q=a%20b&q=c", cookie: "s=1", custom: "yes", body: [7, 8, 9] });
  });

  it("ALB: a status description, single-value headers, encoded query kept", async () => {
    const inv = fn.emu.invoke({
      requestContext: { elb: { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/strait/1" } },
      httpMethod: "GET",
      path: "/echo",
      queryStringParameters: { q: "a%20b" },
      headers: { "x-custom": "alb" },
      body: "",
      isBase64Encoded: false,
    });
    await inv.returned;
    expect(inv.result).toMatchObject({ statusCode: 201, statusDescription: "201 Created", headers: { "x-echo": "yes", "set-cookie": "b=2; HttpOnly" } });
    expect(JSON.parse(inv.result.body)).toMatchObject({ method: "GET", query: "?q=a%20b", custom: "alb" });
  });
});

describe.skipIf(noRic)("the gateway bundle under aws-lambda-ric (buffered handler)", () => {
  let fn: RunningFunction;
  beforeAll(async () => {
    const dir = join(root, "dist/test-lambda");
    await buildTarget("lambda", { outfile: join(dir, "index.mjs") });
    fn = await runFunction(dir, "handler", { STRAIT_GATEWAY_TOKENS: TOKEN, STRAIT_LOG_LEVEL: "warn" });
  });
  afterAll(() => fn?.stop());

  it("answers a chat completion as one result", async () => {
    const openai = new OpenAI({ baseURL: `${fn.emu.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: "mock/echo", messages: [{ role: "user", content: "buffered" }] });
    expect(r.choices[0]?.message.content).toBe("You said: buffered");
    expect(fn.emu.invocations.at(-1)!.mode).toBe("buffered");
  });

  it("a streamed request is answered whole, still as SSE", async () => {
    const res = await fetch(`${fn.emu.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock/echo", stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect((await res.text()).endsWith("data: [DONE]\n\n")).toBe(true);
  });
});

