import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/types.js";
import type { RunningServer } from "../../functions/node/server.js";
import { awsError, type BedrockRequest, type BedrockUpstream, sendConverse, startBedrockUpstream } from "../helpers/bedrock-upstream.js";
import { fixtureJson, fixtureText } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";
import { sendJson, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { replayOpenAI } from "../helpers/openai-upstream.js";

/** POST / — Cloudflare AI Gateway's universal endpoint — through the real server, an OpenAI mock and the SigV4-checking Bedrock mock. */
const GATEWAY_TOKEN = "gw-token-universal-endpoint-0001";
const AWS = { accessKeyId: "AKIAUNIVERSALEXAMPLE", secretAccessKey: "universal+Secret/Key0123456789abcdefghij" };
const MODEL_PATH = "model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse";

let openai: MockUpstream;
let bedrock: BedrockUpstream;
let gw: RunningServer;
const records: CallRecord[] = [];

function replayBedrock(req: BedrockRequest, res: ServerResponse) {
  if (req.action === "converse") return sendConverse(res, fixtureText("bedrock/converse-text.json"));
  return awsError(res, 404, "UnknownOperationException", "Unknown operation");
}

beforeAll(async () => {
  openai = await startMockUpstream((req, res) => replayOpenAI(req, res));
  bedrock = await startBedrockUpstream({ keys: [AWS], handler: replayBedrock });
  gw = await startGateway(
    { providers: { openai: { baseUrl: `${openai.url}/v1`, apiKeys: ["sk-universal-upstream-key"], passthrough: "always" }, "aws-bedrock": { baseUrl: bedrock.url, region: "us-east-1", ...AWS } }, breaker: { failures: 0 } },
    { STRAIT_GATEWAY_TOKENS: GATEWAY_TOKEN },
  );
  gw.gateway.observers.push((r) => void records.push(r));
});
afterAll(async () => {
  await gw.close();
  await openai.close();
  await bedrock.close();
});
beforeEach(async () => {
  await gw.settled(); // the calls of the test before are observed (one turn after they finish), so none lands in this one's records
  openai.requests.length = 0;
  bedrock.requests.length = 0;
  records.length = 0;
  openai.handle((req, res) => replayOpenAI(req, res));
});

const chatStep = (headers: Record<string, string> = {}) => ({
  provider: "openai",
  endpoint: "chat/completions",
  headers,
  query: { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] },
});
const bedrockStep = { provider: "aws-bedrock", endpoint: MODEL_PATH, query: { messages: [{ role: "user", content: [{ text: "Say hello" }] }] } };

async function universal(steps: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/`, {
    method: "POST",
    headers: { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json", ...headers },
    body: typeof steps === "string" ? steps : JSON.stringify(steps),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe("universal endpoint", () => {
  it("answers from the first step, in the provider's own format", async () => {
    const res = await universal([chatStep(), bedrockStep]);
    expect(res.status).toBe(200);
    expect(res.headers.get("cf-aig-step")).toBe("0");
    expect(res.json).toEqual(fixtureJson("openai/chat.json"));
    expect(openai.requests[0]!.url).toBe("/v1/chat/completions");
    expect(openai.requests[0]!.headers.authorization).toBe("Bearer sk-universal-upstream-key");
    expect(bedrock.requests).toHaveLength(0);
  });

  for (const [name, fail] of [
    ["a 500", (_req: unknown, res: ServerResponse) => sendJson(res, 500, { error: { message: "boom" } })],
    ["a reset before headers", (_req: unknown, res: ServerResponse) => void res.socket?.destroy()],
    ["a timeout", () => new Promise<void>(() => {})],
  ] as const) {
    it(`moves to step 1 when step 0 fails with ${name}, and says so in cf-aig-step`, async () => {
      openai.handle(fail);
      const res = await universal([chatStep({ "cf-aig-request-timeout": "300", "cf-aig-max-attempts": "1" }), bedrockStep]);
      expect(res.status).toBe(200);
      expect(res.headers.get("cf-aig-step")).toBe("1");
      expect(res.text).toBe(fixtureText("bedrock/converse-text.json"));
      expect(openai.requests).toHaveLength(1);
      const signed = bedrock.requests[0]!;
      expect(signed.signer).toMatchObject({ accessKeyId: AWS.accessKeyId, region: "us-east-1", service: "bedrock" });
      expect(JSON.parse(signed.body.toString("utf8"))).toEqual(bedrockStep.query);
      await gw.settled();
      expect(records[0]).toMatchObject({ endpoint: "universal", provider: "aws-bedrock", step: 1, status: 200, usage: { prompt_tokens: 1045 } });
    });
  }

  it("retries a step as its headers say before moving on", async () => {
    let calls = 0;
    openai.handle((req, res) => (++calls === 1 ? sendJson(res, 503, { error: { message: "busy" } }) : replayOpenAI(req, res)));
    const res = await universal([chatStep({ "cf-aig-retry-delay": "0" }), bedrockStep]);
    expect(res.headers.get("cf-aig-step")).toBe("0");
    expect(openai.requests).toHaveLength(2);
  });

  it("takes a step's config over its headers and the request's", async () => {
    openai.handle((_req, res) => sendJson(res, 503, { error: { message: "busy" } }));
    const steps = [{ ...chatStep({ "cf-aig-max-attempts": "5" }), config: { maxAttempts: 1 } }, bedrockStep];
    const res = await universal(steps, { "cf-aig-max-attempts": "3" });
    expect(res.headers.get("cf-aig-step")).toBe("1");
    expect(openai.requests).toHaveLength(1);
  });

  it("relays the last step's error when every step fails", async () => {
    openai.handle((_req, res) => sendJson(res, 400, { error: { message: "bad model", type: "invalid_request_error" } }));
    const res = await universal([chatStep()]);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("bad model");
  });

  it("uses a provider key from a step's headers (passthrough: always), never the gateway's token", async () => {
    await universal([chatStep({ authorization: "Bearer sk-callers-own-key" })]);
    expect(openai.requests[0]!.headers.authorization).toBe("Bearer sk-callers-own-key");
    await universal([chatStep({ authorization: `Bearer ${GATEWAY_TOKEN}` })]);
    expect(openai.requests[1]!.headers.authorization).toBe("Bearer sk-universal-upstream-key");
  });

  it("caches the whole array like any other request", async () => {
    const steps = [{ ...chatStep(), query: { ...chatStep().query, user: `u-${Date.now()}` } }, bedrockStep];
    expect((await universal(steps, { "cf-aig-cache-ttl": "60" })).headers.get("cf-aig-cache-status")).toBe("BYPASS"); // no store here
    expect(openai.requests).toHaveLength(1);
  });

  for (const [body, message] of [
    ["not json", /could not parse the JSON body/i],
    ["[]", /JSON array of steps/],
    ['"a string"', /JSON array of steps/],
    [[chatStep(), 42], /^Step 1: must be an object/],
    [[{ endpoint: "chat/completions", query: {} }], /^Step 0: needs "provider"/],
    [[chatStep(), { provider: "openai", query: {} }], /^Step 1: needs "endpoint"/],
    [[{ provider: "nope", endpoint: "x", query: {} }], /^Step 0: unknown provider "nope"/],
    [[{ ...chatStep(), query: undefined }], /^Step 0: needs "query"/],
    [[{ ...chatStep(), headers: { a: 1 } }], /^Step 0: "headers" must be an object of strings/],
    [[{ ...chatStep(), extra: true }], /^Step 0: unknown field "extra"/],
    [[{ ...chatStep(), config: { retries: 2 } }], /^Step 0: unknown config "retries"/],
    [[chatStep(), { ...chatStep(), endpoint: "../../admin/keys" }], /^Step 1: .*not allowed/],
    [[chatStep({ "cf-aig-max-attempts": "9" })], /^Step 0: cf-aig-max-attempts must be/],
    [[{ ...chatStep(), __proto__: { polluted: true }, constructor: "x" }], /^Step 0: unknown field "constructor"/],
  ] as const) {
    it(`refuses with a 400: ${message.source}`, async () => {
      const res = await universal(body);
      expect(res.status).toBe(400);
      expect(res.json.error.message).toMatch(message);
      expect(openai.requests).toHaveLength(0);
    });
  }
});
