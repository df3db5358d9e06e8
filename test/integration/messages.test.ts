import { createAnthropic } from "@ai-sdk/anthropic";
import Anthropic from "@anthropic-ai/sdk";
import { generateText, streamText } from "ai";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/types.js";
import type { RunningServer } from "../../functions/node/server.js";
import { awsError, type BedrockRequest, type BedrockUpstream, sendEventStream, startBedrockUpstream } from "../helpers/bedrock-upstream.js";
import { fixtureBytes, fixtureJson, fixtureTranscript, sseEvents } from "../helpers/fixtures.js";
import { startGateway } from "../helpers/gateway.js";
import { sendJson, sendStream, startMockUpstream, type MockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { replayOpenAI } from "../helpers/openai-upstream.js";

/**
 * POST /v1/messages through the real server with the official Anthropic SDK: natively to the
 * Anthropic mock and to Claude on the SigV4-checking Bedrock mock (InvokeModel), translated to the
 * OpenAI mock; and Claude Code's own recorded requests.
 */
const TOKEN = "gw-token-messages-route-0001";
const ANTHROPIC_KEY = "sk-ant-messages-upstream-0001";
const AWS = { accessKeyId: "AKIAMESSAGESEXAMPLE1", secretAccessKey: "messages+Secret/Key0123456789abcdefghijk" };
const CLAUDE_ON_BEDROCK = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

let anthropic: MockUpstream;
let bedrock: BedrockUpstream;
let openai: MockUpstream;
let gw: RunningServer;
let client: Anthropic;
const records: CallRecord[] = [];

function replayAnthropic(req: RecordedRequest, res: ServerResponse) {
  if (req.url.startsWith("/v1/messages/count_tokens")) return sendJson(res, 200, { input_tokens: 42 });
  const body = JSON.parse(req.body);
  if (body.model === "overloaded") return sendJson(res, 529, fixtureJson("anthropic/error-overloaded.json"));
  if (body.model === "cached") {
    const usage = { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 50, output_tokens: 5 };
    return sendJson(res, 200, { ...fixtureJson<Record<string, unknown>>("anthropic/response-text.json"), usage });
  }
  if (body.model === "cut") {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"cut","usage":{"input_tokens":3,"output_tokens":1}}}\n\n');
    setTimeout(() => res.destroy(), 30);
    return;
  }
  if (body.stream) return sendStream(res, sseEvents(fixtureTranscript("anthropic/stream-text.http").body.toString("utf8")));
  return sendJson(res, 200, fixtureJson("anthropic/response-text.json"));
}

function replayBedrock(req: BedrockRequest, res: ServerResponse) {
  if (req.action === "invoke") return sendJson(res, 200, { ...fixtureJson<Record<string, unknown>>("anthropic/response-text.json"), model: req.modelId });
  if (req.action === "invoke-with-response-stream") return sendEventStream(res, fixtureBytes("bedrock/invoke-stream-text.bin"), { chunkSize: 5 });
  if (req.action === "count-tokens") return sendJson(res, 200, { inputTokens: 77 });
  return awsError(res, 404, "UnknownOperationException", "Unknown operation");
}

beforeAll(async () => {
  anthropic = await startMockUpstream(replayAnthropic);
  bedrock = await startBedrockUpstream({ keys: [AWS], handler: replayBedrock });
  openai = await startMockUpstream((req, res) => replayOpenAI(req, res));
  gw = await startGateway(
    {
      providers: {
        anthropic: { baseUrl: anthropic.url, apiKeys: [ANTHROPIC_KEY] },
        "aws-bedrock": { baseUrl: bedrock.url, region: "us-east-1", ...AWS },
        openai: { baseUrl: `${openai.url}/v1`, apiKeys: ["sk-openai-messages-0001"] },
      },
      // What Claude Code sends, mapped to a Bedrock inference profile.
      models: {
        "claude-sonnet-4-5-20250929": `aws-bedrock/${CLAUDE_ON_BEDROCK}`,
        "cached-claude": { targets: ["anthropic/claude-sonnet-4-5"], promptCaching: "auto" },
      },
      breaker: { failures: 0 },
    },
    { STRAIT_GATEWAY_TOKENS: TOKEN },
  );
  gw.gateway.observers.push((r) => void records.push(r));
  client = new Anthropic({ apiKey: TOKEN, baseURL: gw.url, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await anthropic.close();
  await bedrock.close();
  await openai.close();
});
beforeEach(async () => {
  await gw.settled(); // the calls of the test before are observed (one turn after they finish), so none lands in this one's records
  anthropic.requests.length = 0;
  bedrock.requests.length = 0;
  openai.requests.length = 0;
  records.length = 0;
});

const hello = [{ role: "user" as const, content: "Hello" }];
const claudeText = () => fixtureJson("anthropic/response-text.json").content[0].text as string;
const textOf = (m: Anthropic.Message) => m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("");

/** The events of an Anthropic stream are in order: start, blocks opened and closed, delta, stop. */
function expectValidEvents(text: string) {
  const events = sseEvents(text).map((e) => ({ name: /^event: (.+)$/m.exec(e)?.[1], data: JSON.parse(/^data: (.+)$/m.exec(e)![1]!) }));
  const names = events.map((e) => e.name).filter((n) => n !== "ping");
  expect(names[0]).toBe("message_start");
  expect(names.at(-1)).toBe("message_stop");
  expect(names.at(-2)).toBe("message_delta");
  const open = new Set<number>();
  for (const e of events) {
    expect(e.data.type).toBe(e.name);
    if (e.name === "content_block_start") open.add(e.data.index);
    if (e.name === "content_block_delta") expect(open.has(e.data.index)).toBe(true);
    if (e.name === "content_block_stop") open.delete(e.data.index);
  }
  expect(open.size).toBe(0);
  return events;
}

describe("to Anthropic, natively", () => {
  it("JSON: the body goes through with only the model and the credential changed", async () => {
    const msg = await client.messages.create({ model: "anthropic/claude-sonnet-4-5", max_tokens: 64, messages: hello, metadata: { user_id: "u-1" } }, { headers: { "anthropic-beta": "context-1m-2025-08-07", "anthropic-version": "2023-06-01" } });
    expect(msg).toEqual(fixtureJson("anthropic/response-text.json"));
    const sent = anthropic.requests[0]!;
    expect(sent.url).toBe("/v1/messages");
    expect(JSON.parse(sent.body)).toEqual({ model: "claude-sonnet-4-5", max_tokens: 64, messages: hello, metadata: { user_id: "u-1" } });
    expect(sent.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    expect(sent.headers["anthropic-beta"]).toBe("context-1m-2025-08-07");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(JSON.stringify(sent.headers)).not.toContain(TOKEN);
    await gw.settled();
    expect(records[0]).toMatchObject({ endpoint: "messages", provider: "anthropic", status: 200, usage: { prompt_tokens: expect.any(Number) } });
  });

  it("streamed: Anthropic's events as they came, usage read on the way", async () => {
    const final = await client.messages.stream({ model: "anthropic/claude-sonnet-4-5", max_tokens: 64, messages: hello }).finalMessage();
    expect(textOf(final).length).toBeGreaterThan(0);
    await gw.settled();
    expect(records[0]).toMatchObject({ endpoint: "messages", stream: true, status: 200, usage: { prompt_tokens: 25, completion_tokens: 15 } });
  });

  it("promptCaching auto adds cache breakpoints for a client that sets none", async () => {
    const tools = [{ name: "a", input_schema: { type: "object" as const } }, { name: "b", input_schema: { type: "object" as const } }];
    await client.messages.create({ model: "cached-claude", max_tokens: 8, system: "Rules.", tools, messages: hello });
    const sent = JSON.parse(anthropic.requests[0]!.body);
    expect(sent.system).toEqual([{ type: "text", text: "Rules.", cache_control: { type: "ephemeral" } }]);
    expect(sent.tools[1].cache_control).toEqual({ type: "ephemeral" });
    expect(sent.tools[0].cache_control).toBeUndefined();
    expect(sent.messages[0].content).toEqual([{ type: "text", text: "Hello", cache_control: { type: "ephemeral" } }]);
    // A client that sets its own breakpoints is left alone.
    await client.messages.create({ model: "cached-claude", max_tokens: 8, system: [{ type: "text", text: "Rules.", cache_control: { type: "ephemeral" } }], messages: hello });
    expect(JSON.parse(anthropic.requests[1]!.body).messages[0].content).toBe("Hello");
  });

  it("an upstream error comes back in Anthropic's shape, with its status", async () => {
    const err = await client.messages.create({ model: "anthropic/overloaded", max_tokens: 8, messages: hello }, { headers: { "cf-aig-max-attempts": "1" } }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(529);
    expect(err.error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });

  it("a stream cut mid-way ends with an error event, never a silent end", async () => {
    const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "x-api-key": TOKEN, "content-type": "application/json" }, body: JSON.stringify({ model: "anthropic/cut", max_tokens: 8, stream: true, messages: hello }) });
    const text = await res.text();
    expect(text).toContain("event: message_start");
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    expect(text).not.toContain("message_stop");
  });
});

describe("usage", () => {
  it("counts Anthropic's cache reads and writes into the call's usage", async () => {
    await client.messages.create({ model: "anthropic/cached", max_tokens: 8, messages: hello });
    await gw.settled();
    expect(records[0]!.usage).toMatchObject({ prompt_tokens: 160, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 50 } });
  });
});

describe("to Claude on Bedrock, natively (InvokeModel)", () => {
  it("JSON: Anthropic's body on InvokeModel, signed, with the version and betas Bedrock wants", async () => {
    const msg = await client.messages.create({ model: "claude-sonnet-4-5-20250929", max_tokens: 64, messages: hello }, { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14, context-management-2025-06-27" } });
    expect(textOf(msg)).toBe(textOf(fixtureJson("anthropic/response-text.json")));
    const sent = bedrock.requests[0]!;
    expect(sent.action).toBe("invoke");
    expect(sent.modelId).toBe(CLAUDE_ON_BEDROCK);
    expect(sent.signer).toMatchObject({ accessKeyId: AWS.accessKeyId, region: "us-east-1" });
    expect(sent.json).toEqual({ max_tokens: 64, messages: hello, anthropic_version: "bedrock-2023-05-31", anthropic_beta: ["interleaved-thinking-2025-05-14", "context-management-2025-06-27"] });
  });

  for (const chunkSize of [1, 3, 64, 100_000]) {
    it(`streamed: event-stream frames (sent ${chunkSize} bytes at a time) become Anthropic's SSE events`, async () => {
      bedrock.handle((req, res) => (req.action === "invoke-with-response-stream" ? sendEventStream(res, fixtureBytes("bedrock/invoke-stream-text.bin"), { chunkSize }) : replayBedrock(req, res)));
      try {
        const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ model: "claude-sonnet-4-5-20250929", max_tokens: 64, stream: true, messages: hello }) });
        expect(res.headers.get("content-type")).toContain("text/event-stream");
        const events = expectValidEvents(await res.text());
        expect(events.map((e) => e.name)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
        expect(bedrock.requests.at(-1)!.action).toBe("invoke-with-response-stream");
        await gw.settled();
        expect(records.at(-1)).toMatchObject({ provider: "aws-bedrock", status: 200, usage: { prompt_tokens: 25, completion_tokens: 15 } });
      } finally {
        bedrock.handle(replayBedrock);
      }
    });
  }

  it("an exception frame mid-stream becomes an Anthropic error event", async () => {
    bedrock.handle((_req, res) => sendEventStream(res, fixtureBytes("bedrock/stream-throttled.bin"), { chunkSize: 9 }));
    try {
      const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ model: "claude-sonnet-4-5-20250929", max_tokens: 64, stream: true, messages: hello }) });
      const text = await res.text();
      expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"rate_limit_error"/);
    } finally {
      bedrock.handle(replayBedrock);
    }
  });
});

describe("to other providers, translated", () => {
  it("JSON: an Anthropic message from an OpenAI answer", async () => {
    const msg = await client.messages.create({ model: "openai/gpt-4o-mini", max_tokens: 64, system: "Be brief.", messages: hello });
    expect(msg.type).toBe("message");
    expect(textOf(msg)).toBe(fixtureJson("openai/chat.json").choices[0].message.content);
    expect(msg.stop_reason).toBe("end_turn");
    const sent = JSON.parse(openai.requests[0]!.body);
    expect(sent.messages[0]).toEqual({ role: "system", content: "Be brief." });
    expect(sent.model).toBe("gpt-4o-mini");
  });

  it("a tool round trip, an image and enabled thinking, with the SDK", async () => {
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } }];
    const first = await client.messages.create({ model: "openai/gpt-4o-mini", max_tokens: 256, tools, thinking: { type: "enabled", budget_tokens: 2048 }, messages: [{ role: "user", content: "Weather in Paris?" }] });
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b) => b.type === "tool_use");
    if (use?.type !== "tool_use") throw new Error("no tool_use");
    expect(JSON.parse(openai.requests[0]!.body)).toMatchObject({ reasoning_effort: "low", tools: [{ type: "function", function: { name: "get_weather" } }] });
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    const second = await client.messages.create({
      model: "openai/gpt-4o-mini",
      max_tokens: 256,
      tools,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "21 °C" }, { type: "image", source: { type: "base64", media_type: "image/png", data: png } }] },
      ],
    });
    expect(second.type).toBe("message");
    const sent = JSON.parse(openai.requests[1]!.body);
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
    expect(sent.messages[1].tool_calls[0].id).toBe(use.id);
    expect(sent.messages[2]).toMatchObject({ role: "tool", tool_call_id: use.id, content: "21 °C" });
    expect(sent.messages[3].content[0]).toEqual({ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } });
  });

  it("streamed: Anthropic's event sequence, the SDK's final message whole", async () => {
    const stream = client.messages.stream({ model: "openai/gpt-4o-mini", max_tokens: 64, messages: hello });
    const final = await stream.finalMessage();
    expect(textOf(final)).toBe("Hello! How can I help you today?");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe("the Vercel AI SDK's Anthropic provider", () => {
  it("generates and streams against the gateway as its Anthropic base URL", async () => {
    const provider = createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: TOKEN });
    const native = await generateText({ model: provider("anthropic/claude-sonnet-4-5"), prompt: "Hello", maxOutputTokens: 64 });
    expect(native.text).toBe(claudeText());
    expect(anthropic.requests.at(-1)!.headers["x-api-key"]).toBe(ANTHROPIC_KEY);
    const streamed = streamText({ model: provider("openai/gpt-4o-mini"), prompt: "Hello", maxOutputTokens: 64 });
    expect(await streamed.text).toBe("Hello! How can I help you today?");
    expect((await streamed.usage).outputTokens).toBeGreaterThan(0);
  });
});

describe("Claude Code's own requests, as recorded", () => {
  const recorded = (name: string) => fixtureJson<{ url: string; headers: Record<string, string>; body: any }>(`recorded/${name}.json`);
  const replay = (r: { url: string; headers: Record<string, string>; body: any }, model?: string) => {
    const headers = { ...r.headers, "x-api-key": TOKEN, authorization: `Bearer ${TOKEN}` };
    return fetch(`${gw.url}${r.url}`, { method: "POST", headers, body: JSON.stringify(model ? { ...r.body, model } : r.body) });
  };

  it("claude-sonnet-4-5 (betas, cached system blocks, 24 tools, thinking, context management) streams from Bedrock", async () => {
    const res = await replay(recorded("claude-code-claude-model"));
    expect(res.status).toBe(200);
    expectValidEvents(await res.text());
    const sent = bedrock.requests.at(-1)!;
    expect(sent.action).toBe("invoke-with-response-stream");
    expect(sent.json.thinking).toEqual({ budget_tokens: 31999, type: "enabled" });
    expect(sent.json.system[2].cache_control).toEqual({ type: "ephemeral" });
    expect(sent.json.anthropic_beta).toContain("claude-code-20250219");
    expect(sent.json.model).toBeUndefined();
  });

  it("a model Claude Code does not know (adaptive thinking, a system message inside messages) streams from an OpenAI-compatible provider", async () => {
    const res = await replay(recorded("claude-code-other-model"));
    expect(res.status).toBe(200);
    expectValidEvents(await res.text());
    const sent = JSON.parse(openai.requests.at(-1)!.body);
    expect(sent.model).toBe("gpt-4o-mini");
    expect(sent.stream).toBe(true);
    expect(sent.tools.length).toBeGreaterThan(10);
    expect(sent.messages.some((m: { role: string }) => m.role === "system")).toBe(true);
  });
});

describe("errors in Anthropic's shape", () => {
  const post = (body: string, headers: Record<string, string> = { "x-api-key": TOKEN }) =>
    fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  for (const [name, body, headers, status, type] of [
    ["no key", '{"model":"anthropic/x","max_tokens":1,"messages":[]}', {}, 401, "authentication_error"],
    ["not JSON", "{nope", undefined, 400, "invalid_request_error"],
    ["no messages", '{"model":"anthropic/x","max_tokens":1}', undefined, 400, "invalid_request_error"],
    ["an unknown model", '{"model":"nobody/x","max_tokens":1,"messages":[]}', undefined, 404, "not_found_error"],
    ["prototype names", '{"model":"constructor","max_tokens":1,"messages":[]}', undefined, 404, "not_found_error"],
    ["deep JSON", `{"model":"anthropic/x","messages":${"[".repeat(200)}${"]".repeat(200)}}`, undefined, 400, "invalid_request_error"],
  ] as const) {
    it(`${name}: ${status} ${type}`, async () => {
      const res = await post(body, headers);
      expect(res.status).toBe(status);
      const json = (await res.json()) as any;
      expect(json).toMatchObject({ type: "error", error: { type } });
      expect(typeof json.error.message).toBe("string");
      expect(res.headers.get("x-request-id")).toBeTruthy();
    });
  }

  it("413 for a body over the limit", async () => {
    const res = await post(JSON.stringify({ model: "anthropic/x", max_tokens: 1, messages: [{ role: "user", content: "x".repeat(11 * 1024 * 1024) }] }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.type).toBe("request_too_large");
  });
});

describe("count_tokens", () => {
  it("is exact from Anthropic and from Claude on Bedrock, an estimate elsewhere", async () => {
    const body = { messages: [{ role: "user" as const, content: "How many tokens is this?" }] };
    expect((await client.messages.countTokens({ model: "anthropic/claude-sonnet-4-5", ...body })).input_tokens).toBe(42);
    expect((await client.messages.countTokens({ model: "claude-sonnet-4-5-20250929", ...body })).input_tokens).toBe(77);
    expect(bedrock.requests.at(-1)!.path).toBe(`/model/${encodeURIComponent("anthropic.claude-sonnet-4-5-20250929-v1:0")}/count-tokens`);
    const estimate = await client.messages.countTokens({ model: "openai/gpt-4o-mini", ...body }).withResponse();
    expect(estimate.data.input_tokens).toBeGreaterThan(0);
    expect(estimate.response.headers.get("x-strait-token-count")).toBe("estimate");
    expect(openai.requests).toHaveLength(0);
  });
});
