import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../functions/node/server.js";
import { awsError, INVALID_SIGNATURE, sendConverse, sendEventStream, startBedrockUpstream, type BedrockRequest, type BedrockUpstream } from "../helpers/bedrock-upstream.js";
import { fixtureBytes, fixtureJson, fixtureText } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";
import type { ServerResponse } from "node:http";

/** The official openai SDK against the real local server, Bedrock played by a local mock that checks every SigV4 signature. */
const MODEL = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
const ENCODED_PATH = "/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0";

const CLIENT = { accessKeyId: "ASIACLIENTKEYEXAMPLE", secretAccessKey: "client/secret+Key/EXAMPLEKEYwJalrXUtnFEMI", sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==" };
const CONFIGURED = { accessKeyId: "AKIACONFIGKEYEXAMPL", secretAccessKey: "configured+Secret/Key0123456789abcdefghij" };
const ENV = { accessKeyId: "ASIAENVIRONMENTKEYEX", secretAccessKey: "env/Secret+Key/abcdefghij0123456789ABCDE", sessionToken: "FwoGZXIvYXdzEBYaDHEnvSessionTokenExample==" };
const API_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlLWtleS0xMjM0NTY3ODkw";

let upstream: BedrockUpstream;
const gateways: RunningServer[] = [];
/** No AWS credential of its own: only the caller's headers (or API key) work. */
let bare: OpenAI;
/** Credentials in the config file, region us-west-2. */
let configured: OpenAI;
/** Credentials in the AWS environment variables, as on Lambda (the function's role). */
let fromEnv: OpenAI;
/** A configured secret that AWS would refuse. */
let wrongConfig: OpenAI;

function replay(req: BedrockRequest, res: ServerResponse) {
  const tools = req.json?.toolConfig !== undefined;
  if (req.action === "converse") return sendConverse(res, fixtureText(tools ? "bedrock/converse-tool-use.json" : "bedrock/converse-text.json"));
  if (req.action === "converse-stream") return sendEventStream(res, fixtureBytes(tools ? "bedrock/stream-tool-use.bin" : "bedrock/stream-text.bin"), { chunkSize: 7 });
  if (req.action === "invoke" && req.modelId?.includes("titan")) return sendConverse(res, fixtureText("bedrock/embed-titan-v2.json"));
  if (req.action === "invoke" && req.modelId?.includes("cohere")) return sendConverse(res, fixtureText("bedrock/embed-cohere-v3.json"));
  return awsError(res, 404, "UnknownOperationException", "Unknown operation");
}

async function client(file: object, env: Record<string, string> = {}): Promise<OpenAI> {
  const gw = await startGateway(file, env);
  gateways.push(gw);
  return new OpenAI({ apiKey: "sk-placeholder-not-for-bedrock", baseURL: `${gw.url}/v1`, maxRetries: 0 });
}

beforeAll(async () => {
  upstream = await startBedrockUpstream({ keys: [CLIENT, CONFIGURED, ENV], apiKeys: [API_KEY], handler: replay });
  bare = await client({ providers: { "aws-bedrock": { baseUrl: upstream.url } } });
  configured = await client({ providers: { "aws-bedrock": { baseUrl: upstream.url, region: "us-west-2", ...CONFIGURED } } });
  fromEnv = await client(
    { providers: { "aws-bedrock": { baseUrl: upstream.url } } },
    { AWS_ACCESS_KEY_ID: ENV.accessKeyId, AWS_SECRET_ACCESS_KEY: ENV.secretAccessKey, AWS_SESSION_TOKEN: ENV.sessionToken, AWS_REGION: "eu-central-1" },
  );
  wrongConfig = await client({ providers: { "aws-bedrock": { baseUrl: upstream.url, accessKeyId: CONFIGURED.accessKeyId, secretAccessKey: "not-the-right-secret-at-all-0123456789" } } });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await upstream.close();
});
afterEach(() => {
  upstream.requests.length = 0;
  upstream.handle(replay);
});

const clientHeaders = (over: Record<string, string> = {}) => ({
  headers: { "x-aws-access-key-id": CLIENT.accessKeyId, "x-aws-secret-access-key": CLIENT.secretAccessKey, "x-aws-session-token": CLIENT.sessionToken, "x-aws-region": "ap-southeast-2", ...over },
});
const messages = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "What is the capital of France?" },
];
const weather = { type: "function" as const, function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };

async function collect(stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

describe("Bedrock chat through the gateway", () => {
  it("answers a non-streamed chat with the caller's own keys and session token, signed for a model id with ':'", async () => {
    const res = await bare.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages, max_tokens: 200 }, clientHeaders());
    expect(res.choices[0]!.message.content).toBe("Hello! The capital of France is Paris.");
    expect(res.choices[0]!.finish_reason).toBe("stop");
    expect(res.model).toBe(MODEL);
    expect(res.usage).toEqual({ prompt_tokens: 1045, completion_tokens: 11, total_tokens: 1056, prompt_tokens_details: { cached_tokens: 1024 } });

    const sent = upstream.requests[0]!;
    expect(sent.path).toBe(`${ENCODED_PATH}/converse`);
    expect(sent.modelId).toBe(MODEL);
    expect(sent.signer).toMatchObject({ accessKeyId: CLIENT.accessKeyId, region: "ap-southeast-2", service: "bedrock" });
    // Bedrock's canonical URI is the sent path encoded once more: %3A → %253A.
    expect(sent.signer!.canonicalRequest.split("\n")[1]).toBe("/model/us.anthropic.claude-3-7-sonnet-20250219-v1%253A0/converse");
    expect(sent.signer!.signedHeaders).toEqual(expect.arrayContaining(["host", "x-amz-date", "x-amz-security-token", "content-type"]));
    expect(sent.headers["x-amz-security-token"]).toBe(CLIENT.sessionToken);
    expect(sent.json).toEqual({ messages: [{ role: "user", content: [{ text: "What is the capital of France?" }] }], system: [{ text: "Be brief." }], inferenceConfig: { maxTokens: 200 } });
    // The caller's AWS headers are used to sign, never forwarded.
    expect(Object.keys(sent.headers).filter((h) => h.startsWith("x-aws-"))).toEqual([]);
  });

  it("streams with x-provider: bedrock and a bare model id, frames cut every 7 bytes, usage when asked", async () => {
    const stream = await bare.chat.completions.create(
      { model: MODEL, messages, stream: true, stream_options: { include_usage: true } },
      { headers: { ...clientHeaders().headers, "x-provider": "bedrock" } },
    );
    const chunks = await collect(stream);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello! The capital of France is Paris — Ünïcödé ✓.");
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: 1045, completion_tokens: 14, total_tokens: 1059, prompt_tokens_details: { cached_tokens: 1024 } });
    expect(upstream.requests[0]!.path).toBe(`${ENCODED_PATH}/converse-stream`);
    expect(upstream.requests[0]!.headers.accept).toBe("application/vnd.amazon.eventstream");
  });

  it("leaves the usage chunk out when the client did not ask for it", async () => {
    const chunks = await collect(await configured.chat.completions.create({ model: `bedrock/${MODEL}`, messages, stream: true }));
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
  });

  it("returns parallel tool calls, non-streamed", async () => {
    const res = await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages, tools: [weather], tool_choice: "required" });
    expect(res.choices[0]!.finish_reason).toBe("tool_calls");
    expect(res.choices[0]!.message.tool_calls!.map((t) => [t.id, t.type === "function" && t.function.name, t.type === "function" && JSON.parse(t.function.arguments).city])).toEqual([
      ["tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather", "Paris"],
      ["tooluse_2mY3QpLQS0ePDnzDqhJ1hA", "get_weather", "Berlin"],
    ]);
    expect(upstream.requests[0]!.json.toolConfig).toEqual({ tools: [{ toolSpec: { name: "get_weather", description: "Weather for a city", inputSchema: { json: weather.function.parameters } } }], toolChoice: { any: {} } });
  });

  it("streams parallel tool calls with one index per call, and sends the tool results back as toolResult blocks", async () => {
    const chunks = await collect(await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages, tools: [weather], stream: true, stream_options: { include_usage: true } }));
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const calls = [0, 1].map((i) => ({ id: deltas.find((d) => d.index === i && d.id)!.id, args: deltas.filter((d) => d.index === i).map((d) => d.function?.arguments ?? "").join("") }));
    expect(calls).toEqual([
      { id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", args: '{"city": "Paris"}' },
      { id: "tooluse_2mY3QpLQS0ePDnzDqhJ1hA", args: '{"city": "Berlin"}' },
    ]);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)!.usage!.total_tokens).toBe(510);

    upstream.requests.length = 0;
    await configured.chat.completions.create({
      model: `aws-bedrock/${MODEL}`,
      tool_choice: "none",
      messages: [
        ...messages,
        { role: "assistant", content: null, tool_calls: calls.map((c) => ({ id: c.id!, type: "function" as const, function: { name: "get_weather", arguments: c.args } })) },
        { role: "tool", tool_call_id: calls[0]!.id!, content: "18°C" },
        { role: "tool", tool_call_id: calls[1]!.id!, content: "15°C" },
      ],
      tools: [weather],
    });
    const sent = upstream.requests[0]!.json;
    expect(sent.messages.at(-1)).toEqual({
      role: "user",
      content: [
        { toolResult: { toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", content: [{ text: "18°C" }] } },
        { toolResult: { toolUseId: "tooluse_2mY3QpLQS0ePDnzDqhJ1hA", content: [{ text: "15°C" }] } },
      ],
    });
    expect(sent.toolConfig.tools).toHaveLength(1);
  });
});

describe("Bedrock credentials and regions", () => {
  it("uses the configured credentials and region (the SDK's placeholder Authorization is not a Bedrock key)", async () => {
    await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages });
    expect(upstream.requests[0]!.signer).toMatchObject({ accessKeyId: CONFIGURED.accessKeyId, region: "us-west-2" });
    expect(upstream.requests[0]!.headers["x-amz-security-token"]).toBeUndefined();
  });

  it("uses the AWS environment variables with their session token and AWS_REGION", async () => {
    const res = await fromEnv.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages });
    expect(res.choices[0]!.message.content).toBe("Hello! The capital of France is Paris.");
    expect(upstream.requests[0]!.signer).toMatchObject({ accessKeyId: ENV.accessKeyId, region: "eu-central-1" });
    expect(upstream.requests[0]!.headers["x-amz-security-token"]).toBe(ENV.sessionToken);
  });

  it("prefers the caller's header credentials over the gateway's", async () => {
    await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages }, clientHeaders({ "x-aws-region": "us-east-2" }));
    expect(upstream.requests[0]!.signer).toMatchObject({ accessKeyId: CLIENT.accessKeyId, region: "us-east-2" });
  });

  it("sends a Bedrock API key as a bearer token", async () => {
    const keyClient = new OpenAI({ apiKey: API_KEY, baseURL: bare.baseURL, maxRetries: 0 });
    const res = await keyClient.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages });
    expect(res.choices[0]!.message.content).toBe("Hello! The capital of France is Paris.");
    expect(upstream.requests[0]!.bearer).toBe(API_KEY);
    expect(upstream.requests[0]!.signer).toBeUndefined();
  });

  it("gives the caller a clear 403 when their own secret is wrong", async () => {
    const err = await bare.chat.completions
      .create({ model: `aws-bedrock/${MODEL}`, messages }, clientHeaders({ "x-aws-secret-access-key": "wrong/secret+key/0000000000000000000000" }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.status).toBe(403);
    expect(err.message).toContain(INVALID_SIGNATURE);
    expect(err.message).not.toContain("wrong/secret");
    expect(upstream.received).toBeGreaterThan(0);
  });

  it("answers 502 when the gateway's own configured secret is refused", async () => {
    const err = await wrongConfig.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages }).catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error.code).toBe("upstream_auth_failed");
    expect(err.message).toContain("signature we calculated does not match");
    expect(err.message).not.toContain("not-the-right-secret");
  });

  it("rejects a bad x-aws-region with 400, and no request leaves", async () => {
    const before = upstream.received;
    for (const region of ["evil.example.com#", "us-east-1.attacker.net", "US-EAST-1", "us-east-1/", ""]) {
      const err = await bare.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages }, clientHeaders({ "x-aws-region": region })).catch((e) => e);
      expect([region, err.status, err.error?.code]).toEqual([region, 400, "invalid_region"]);
    }
    expect(upstream.received).toBe(before);
  });

  it("rejects half-set header credentials with 400", async () => {
    const err = await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages }, { headers: { "x-aws-access-key-id": CLIENT.accessKeyId } }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toContain("x-aws-secret-access-key");
  });

  it("says so when the gateway has no AWS credential at all", async () => {
    const before = upstream.received;
    const err = await bare.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages }).catch((e) => e);
    expect(err.status).toBe(401);
    expect(err.message).toContain("x-aws-access-key-id");
    expect(upstream.received).toBe(before);
  });
});

describe("Bedrock errors", () => {
  it("turns an error before the stream into a clean OpenAI error with Bedrock's message", async () => {
    upstream.handle((_req, res) => awsError(res, 400, "ValidationException", fixtureJson("bedrock/error-validation.json").message));
    const err = await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages, stream: true }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toContain("text content blocks must be non-empty");
  });

  it("passes a throttled call on as 429", async () => {
    upstream.handle((_req, res) => awsError(res, 429, "ThrottlingException", fixtureJson("bedrock/error-throttling.json").message));
    const err = await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages }).catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.message).toContain("Too many requests");
  });

  it("ends the stream with an error event on a throttlingException mid-stream", async () => {
    upstream.handle((_req, res) => sendEventStream(res, fixtureBytes("bedrock/stream-throttled.bin"), { frameDelayMs: 20 }));
    const stream = await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages, stream: true });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(text).toBe("Once upon");
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.message).toContain("throttlingException");
    expect(err.error.code).toBe("upstream_rate_limited");
  });

  it("ends the stream with an error event when the connection drops mid-frame", async () => {
    const bytes = fixtureBytes("bedrock/stream-text.bin");
    upstream.handle((_req, res) => sendEventStream(res, bytes, { frameDelayMs: 10, cutAfter: bytes.length - 60 }));
    const stream = await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages, stream: true });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(text).toBe("Hello! The capital of France is Paris — Ünïcödé ✓.");
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.error.code).toMatch(/upstream_(truncated|stream_error)/);
  });

  it("refuses an http image URL with a clear 400 before calling Bedrock", async () => {
    const before = upstream.received;
    const err = await configured.chat.completions
      .create({ model: `aws-bedrock/${MODEL}`, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] })
      .catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toContain("cannot fetch image URLs");
    expect(upstream.received).toBe(before);
  });

  it("sends a data-URL image inline as bytes", async () => {
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    await configured.chat.completions.create({
      model: `aws-bedrock/${MODEL}`,
      messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }] }],
    });
    expect(upstream.requests[0]!.json.messages[0].content[1]).toEqual({ image: { format: "png", source: { bytes: png } } });
  });

  it("refuses n > 1", async () => {
    const err = await configured.chat.completions.create({ model: `aws-bedrock/${MODEL}`, messages, n: 2 }).catch((e) => e);
    expect(err.status).toBe(400);
  });
});

describe("Bedrock embeddings", () => {
  it("embeds one text with Titan v2", async () => {
    const res = await configured.embeddings.create({ model: "aws-bedrock/amazon.titan-embed-text-v2:0", input: "hello world", dimensions: 256, encoding_format: "float" });
    expect(res.data).toHaveLength(1);
    expect(res.data[0]!.embedding).toEqual(fixtureJson("bedrock/embed-titan-v2.json").embedding);
    expect(res.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    expect(upstream.requests[0]!.path).toBe("/model/amazon.titan-embed-text-v2%3A0/invoke");
    expect(upstream.requests[0]!.json).toEqual({ inputText: "hello world", normalize: true, dimensions: 256 });
  });

  it("refuses several texts for Titan clearly", async () => {
    const err = await configured.embeddings.create({ model: "aws-bedrock/amazon.titan-embed-text-v2:0", input: ["a", "b"] }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.message).toContain("one text per request");
  });

  it("embeds a batch with Cohere", async () => {
    const res = await configured.embeddings.create({ model: "aws-bedrock/cohere.embed-english-v3", input: ["hello world", "goodbye world"], encoding_format: "float" });
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[1]!.embedding).toEqual(fixtureJson("bedrock/embed-cohere-v3.json").embeddings[1]);
    expect(upstream.requests[0]!.json).toEqual({ texts: ["hello world", "goodbye world"], input_type: "search_document" });
  });

  it("returns base64 floats when asked (the openai SDK's default)", async () => {
    const res = await configured.embeddings.create({ model: "aws-bedrock/amazon.titan-embed-text-v2:0", input: "hello world", encoding_format: "base64" });
    const b64 = res.data[0]!.embedding as unknown as string;
    const floats = Array.from(new Float32Array(new Uint8Array(Buffer.from(b64, "base64")).buffer));
    expect(floats.map((f) => Math.round(f * 1e4) / 1e4)).toEqual(fixtureJson("bedrock/embed-titan-v2.json").embedding);
  });
});
