import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { awsError, sendConverse, sendEventStream, startBedrockUpstream, type BedrockRequest } from "../helpers/bedrock-upstream.js";
import { fixtureBytes, fixtureText } from "../helpers/fixtures.js";
import { useProviderHarness } from "../helpers/provider-harness.js";

/** Bedrock's native API through /aws-bedrock/…: the mock recomputes every SigV4 signature over the bytes it received. */
const ENCODED_PATH = "/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0";
const CLIENT = { accessKeyId: "ASIACLIENTKEYEXAMPLE", secretAccessKey: "client/secret+Key/EXAMPLEKEYwJalrXUtnFEMI", sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==" };
const CONFIGURED = { accessKeyId: "AKIACONFIGKEYEXAMPL", secretAccessKey: "configured+Secret/Key0123456789abcdefghij" };
const GATEWAY_TOKEN = "gw-token-bedrock-passthrough-000";

function replay(req: BedrockRequest, res: ServerResponse) {
  if (req.action === "converse") return sendConverse(res, fixtureText("bedrock/converse-text.json"));
  if (req.action === "converse-stream") return sendEventStream(res, fixtureBytes("bedrock/stream-text.bin"), { chunkSize: 7 });
  return awsError(res, 404, "UnknownOperationException", "Unknown operation");
}

describe("Bedrock pass-through: SigV4 over the exact bytes", () => {
  const h = useProviderHarness({
    upstream: () => startBedrockUpstream({ keys: [CLIENT, CONFIGURED], handler: replay }),
    providers: (baseUrl) => ({ "aws-bedrock": { baseUrl, region: "us-west-2", ...CONFIGURED } }),
    token: GATEWAY_TOKEN,
  });
  const auth = { authorization: `Bearer ${GATEWAY_TOKEN}`, "content-type": "application/json" };

  it("converse with the gateway's configured keys: signed for the model id's encoded ':' and the body's bytes", async () => {
    const body = '{"messages":[{"role":"user","content":[{"text":"Héllo  東京"}]}],  "inferenceConfig":{"maxTokens":64}}';
    const res = await fetch(`${h.gw.url}/aws-bedrock${ENCODED_PATH}/converse`, { method: "POST", headers: auth, body });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(fixtureText("bedrock/converse-text.json"));
    expect(res.headers.get("x-amzn-requestid")).toBe("0f2e8c1d-6b7a-4c3d-8e9f-1a2b3c4d5e6f");
    const req = h.upstream.requests.at(-1)!;
    expect(req.path).toBe(`${ENCODED_PATH}/converse`);
    expect(req.body.toString("utf8")).toBe(body);
    expect(req.signer).toMatchObject({ accessKeyId: CONFIGURED.accessKeyId, region: "us-west-2", service: "bedrock" });
    expect(JSON.stringify(req.headers)).not.toContain(GATEWAY_TOKEN);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.records[0]).toMatchObject({
      endpoint: "passthrough",
      provider: "aws-bedrock",
      model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
      status: 200,
      usage: { prompt_tokens: 1045, completion_tokens: 11, total_tokens: 1056, prompt_tokens_details: { cached_tokens: 1024 } },
    });
  });

  it("converse-stream: event-stream bytes back untouched, usage from the metadata event; caller's x-aws-* keys sign, and stay home", async () => {
    const res = await fetch(`${h.gw.url}/bedrock${ENCODED_PATH}/converse-stream`, {
      method: "POST",
      headers: { ...auth, "x-aws-access-key-id": CLIENT.accessKeyId, "x-aws-secret-access-key": CLIENT.secretAccessKey, "x-aws-session-token": CLIENT.sessionToken, "x-aws-region": "eu-west-1" },
      body: '{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(fixtureBytes("bedrock/stream-text.bin"));
    const req = h.upstream.requests.at(-1)!;
    expect(req.signer).toMatchObject({ accessKeyId: CLIENT.accessKeyId, region: "eu-west-1" });
    expect(req.headers["x-amz-security-token"]).toBe(CLIENT.sessionToken);
    expect(req.headers["x-aws-secret-access-key"]).toBeUndefined();
    expect(req.headers["x-aws-access-key-id"]).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(h.records[0]).toMatchObject({ provider: "aws-bedrock", stream: true, status: 200 });
    expect(h.records[0]!.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("InvokeModel: the model's native body both ways, x-amzn-bedrock-* options on, token counts from the answer's headers", async () => {
    h.upstream.handle((req, res) => {
      if (req.action !== "invoke") return awsError(res, 404, "UnknownOperationException", "Unknown operation");
      res.writeHead(200, {
        "content-type": "application/json",
        "x-amzn-requestid": "1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
        "x-amzn-bedrock-input-token-count": "17",
        "x-amzn-bedrock-output-token-count": "5",
        "x-amzn-bedrock-invocation-latency": "321",
      });
      res.end(JSON.stringify({ id: "msg_bdrk_1", type: "message", content: [{ type: "text", text: "Hi" }], usage: { input_tokens: 17, output_tokens: 5 } }));
    });
    const body = JSON.stringify({ anthropic_version: "bedrock-2023-05-31", max_tokens: 16, messages: [{ role: "user", content: "Hi" }] });
    const res = await fetch(`${h.gw.url}/aws-bedrock${ENCODED_PATH}/invoke`, { method: "POST", headers: { ...auth, "x-amzn-bedrock-guardrailidentifier": "gr-123", "x-amzn-bedrock-guardrailversion": "1" }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amzn-bedrock-invocation-latency")).toBe("321");
    const req = h.upstream.requests.at(-1)!;
    expect(req.body.toString("utf8")).toBe(body);
    expect(req.headers["x-amzn-bedrock-guardrailidentifier"]).toBe("gr-123");
    // Forwarded option headers are signed with the rest (the mock verified the signature).
    expect(req.signer!.signedHeaders).toContain("x-amzn-bedrock-guardrailidentifier");
    await new Promise((r) => setTimeout(r, 20));
    expect(h.records[0]).toMatchObject({ model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0", usage: { prompt_tokens: 17, completion_tokens: 5, total_tokens: 22 } });
    h.upstream.handle(replay);
  });

  it("a bad x-aws-region: 400 and no request leaves", async () => {
    const before = h.upstream.received;
    const res = await fetch(`${h.gw.url}/aws-bedrock${ENCODED_PATH}/converse`, { method: "POST", headers: { ...auth, "x-aws-region": "evil.example.com/" }, body: "{}" });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("invalid_region");
    expect(h.upstream.received).toBe(before);
  });
});
