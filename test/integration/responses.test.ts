import type { ServerResponse } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/types.js";
import { awsError, type BedrockRequest, type BedrockUpstream, sendConverse, startBedrockUpstream } from "../helpers/bedrock-upstream.js";
import { fixtureJson, fixtureText, fixtureTranscript, sseEvents } from "../helpers/fixtures.js";
import { sendJson, sendStream, startMockUpstream, type MockUpstream, type RecordedRequest } from "../helpers/mock-upstream.js";
import { admin, startKeysGateway, type TestGateway } from "./keys-helpers.js";

/**
 * POST /v1/responses through the real server with the official openai SDK: natively to the OpenAI
 * mock, translated to the Anthropic mock and to Bedrock Converse; previous_response_id from the
 * gateway's own store; Codex CLI's recorded request.
 */
const TOKEN = "gw-token-responses-route-0001";
const AWS = { accessKeyId: "AKIARESPONSESEXAMPL1", secretAccessKey: "responses+Secret/Key0123456789abcdefghi" };

let openaiUp: MockUpstream;
let anthropicUp: MockUpstream;
let bedrock: BedrockUpstream;
let gw: TestGateway;
let client: OpenAI;
const records: CallRecord[] = [];

const nativeResponse = (text: string, id = "resp_native_0001") => ({
  id,
  object: "response",
  created_at: 1_790_000_000,
  status: "completed",
  model: "gpt-5",
  output: [{ id: "msg_native_1", type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [] }] }],
  usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 },
  parallel_tool_calls: true,
  tool_choice: "auto",
  tools: [],
});

function replayOpenAIResponses(req: RecordedRequest, res: ServerResponse) {
  if (req.url !== "/v1/responses") return sendJson(res, 404, { error: { message: `Unknown path ${req.url}` } });
  const body = JSON.parse(req.body);
  const response = nativeResponse("Hello from OpenAI");
  if (!body.stream) return sendJson(res, 200, response);
  const ev = (type: string, o: object, n: number) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: n, ...o })}\n\n`;
  const item = response.output[0]!;
  return sendStream(res, [
    ev("response.created", { response: { ...response, status: "in_progress", output: [], usage: null } }, 0),
    ev("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }, 1),
    ev("response.content_part.added", { item_id: item.id, output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }, 2),
    ev("response.output_text.delta", { item_id: item.id, output_index: 0, content_index: 0, delta: "Hello from OpenAI", logprobs: [] }, 3),
    ev("response.output_item.done", { output_index: 0, item }, 4),
    ev("response.completed", { response }, 5),
  ]);
}

function replayAnthropic(req: RecordedRequest, res: ServerResponse) {
  const body = JSON.parse(req.body);
  const tools = Array.isArray(body.tools) && body.tools.length > 0 && !body.messages.some((m: { content: unknown }) => Array.isArray(m.content) && (m.content as Array<{ type: string }>).some((b) => b.type === "tool_result"));
  if (body.stream) return sendStream(res, sseEvents(fixtureTranscript(tools ? "anthropic/stream-tools.http" : "anthropic/stream-text.http").body.toString("utf8")));
  return sendJson(res, 200, fixtureJson(tools ? "anthropic/response-tools.json" : "anthropic/response-text.json"));
}

function replayBedrock(req: BedrockRequest, res: ServerResponse) {
  if (req.action === "converse") return sendConverse(res, fixtureText("bedrock/converse-text.json"));
  return awsError(res, 404, "UnknownOperationException", "Unknown operation");
}

beforeAll(async () => {
  openaiUp = await startMockUpstream(replayOpenAIResponses);
  anthropicUp = await startMockUpstream(replayAnthropic);
  bedrock = await startBedrockUpstream({ keys: [AWS], handler: replayBedrock });
  gw = await startKeysGateway({
    env: { STRAIT_GATEWAY_TOKENS: TOKEN },
    file: {
      providers: {
        openai: { baseUrl: `${openaiUp.url}/v1`, apiKeys: ["sk-openai-responses-0001"] },
        anthropic: { baseUrl: anthropicUp.url, apiKeys: ["sk-ant-responses-0001"] },
        "aws-bedrock": { baseUrl: bedrock.url, region: "us-east-1", ...AWS },
      },
      models: { "strict-claude": { targets: ["anthropic/claude-sonnet-4-5"], strictTools: true } },
      breaker: { failures: 0 },
    },
  });
  gw.gateway.observers.push((r) => void records.push(r));
  client = new OpenAI({ apiKey: TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gw.close();
  await openaiUp.close();
  await anthropicUp.close();
  await bedrock.close();
});
beforeEach(async () => {
  await gw.settled(); // the calls of the test before are observed (one turn after they finish), so none lands in this one's records
  openaiUp.requests.length = 0;
  anthropicUp.requests.length = 0;
  bedrock.requests.length = 0;
  records.length = 0;
});

const claudeText = () => fixtureJson("anthropic/response-text.json").content[0].text as string;

describe("to OpenAI, natively", () => {
  it("JSON and streamed: the provider's own response and events", async () => {
    const r = await client.responses.create({ model: "openai/gpt-5", input: "Hi" });
    expect(r.output_text).toBe("Hello from OpenAI");
    expect(JSON.parse(openaiUp.requests[0]!.body)).toEqual({ model: "gpt-5", input: "Hi" });
    const final = await client.responses.stream({ model: "openai/gpt-5", input: "Hi" }).finalResponse();
    expect(final.output_text).toBe("Hello from OpenAI");
    await gw.settled();
    expect(records.map((x) => x.usage?.prompt_tokens)).toEqual([12, 12]);
  });
});

describe("to other providers, translated", () => {
  it("Anthropic: a Response from a Claude answer, JSON and streamed", async () => {
    const r = await client.responses.create({ model: "anthropic/claude-sonnet-4-5", instructions: "Be brief.", input: "Hi" });
    expect(r.object).toBe("response");
    expect(r.id).toMatch(/^resp_/);
    expect(r.output_text).toBe(claudeText());
    const sent = JSON.parse(anthropicUp.requests[0]!.body);
    expect(sent.system).toEqual([{ type: "text", text: "Be brief." }]);
    const final = await client.responses.stream({ model: "anthropic/claude-sonnet-4-5", input: "Hi" }).finalResponse();
    expect(final.output_text.length).toBeGreaterThan(0);
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });

  it("Bedrock Converse (a model that is not Claude)", async () => {
    const r = await client.responses.create({ model: "aws-bedrock/us.amazon.nova-pro-v1:0", input: "Hi" });
    expect(r.output_text.length).toBeGreaterThan(0);
    expect(bedrock.requests[0]!.action).toBe("converse");
  });

  it("a function call round trip, then a second turn by previous_response_id", async () => {
    const tools = [{ type: "function" as const, name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: false }];
    const first = await client.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "Weather in Paris?", tools });
    const call = first.output.find((o) => o.type === "function_call");
    expect(call).toBeDefined();
    if (call?.type !== "function_call") throw new Error("no call");
    const second = await client.responses.create({
      model: "anthropic/claude-sonnet-4-5",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: '{"temp":21}' }],
      tools,
    });
    expect(second.output_text.length).toBeGreaterThan(0);
    const sent = JSON.parse(anthropicUp.requests[1]!.body);
    // The first turn's user message and tool call came from the store, before this turn's result.
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(sent.messages[2].content[0]).toMatchObject({ type: "tool_result", tool_use_id: call.call_id });
  });
});

describe("built-in tools on a translated target", () => {
  it("web_search becomes Claude's own web search tool, with the caller's location", async () => {
    const tools = [{ type: "web_search" as const, user_location: { type: "approximate" as const, city: "Paris", country: "FR" } }];
    const ok = await client.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "News?", tools }).withResponse();
    expect(ok.response.headers.get("x-strait-dropped")).toBeNull();
    expect(JSON.parse(anthropicUp.requests[0]!.body).tools).toEqual([{ type: "web_search_20250305", name: "web_search", user_location: { type: "approximate", city: "Paris", country: "FR" } }]);
  });

  it("a tool the target can't run is left out and named, or refused with strictTools", async () => {
    const tools = [{ type: "file_search" as const, vector_store_ids: ["vs_1"] }];
    const ok = await client.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "Hi", tools }).withResponse();
    expect(ok.response.headers.get("x-strait-dropped")).toContain("file_search");
    const onBedrock = await client.responses.create({ model: "aws-bedrock/us.amazon.nova-pro-v1:0", input: "Hi", tools: [{ type: "web_search" as const }] }).withResponse();
    expect(onBedrock.response.headers.get("x-strait-dropped")).toContain("web_search");
    const err = await client.responses.create({ model: "strict-claude", input: "Hi", tools }).catch((e) => e);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: "unsupported_tool", param: "tools" });
    expect(err.error.message).toContain("file_search");
    // Claude searches the web itself: strict or not, web_search is no refusal there.
    expect((await client.responses.create({ model: "strict-claude", input: "Hi", tools: [{ type: "web_search" as const }] })).status).toBe("completed");
  });
});

describe("stored responses", () => {
  it("GET, input_items and DELETE answer from the store, for the caller only", async () => {
    const r = await client.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "Remember me" });
    await gw.settled();
    expect((await client.responses.retrieve(r.id)).output_text).toBe(r.output_text);
    const items = await client.responses.inputItems.list(r.id);
    expect(items.data[0]).toMatchObject({ type: "message", role: "user" });

    // Another caller (a virtual key) sees none of it.
    const other = (await admin(gw, "POST", "/admin/keys", { name: "other" })).json.key as string;
    const stranger = new OpenAI({ apiKey: other, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    expect(await stranger.responses.retrieve(r.id).catch((e) => e.status)).toBe(404);
    expect(await stranger.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "x", previous_response_id: r.id }).catch((e) => e.status)).toBe(404);

    await client.responses.delete(r.id);
    expect(await client.responses.retrieve(r.id).catch((e) => e.status)).toBe(404);
  });

  it("store: false keeps nothing", async () => {
    const r = await client.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "Forget me", store: false });
    await gw.settled();
    expect(await client.responses.retrieve(r.id).catch((e) => e.status)).toBe(404);
  });

  it("an unknown previous_response_id is a 404 in OpenAI's shape", async () => {
    const err = await client.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "x", previous_response_id: "resp_nope" }).catch((e) => e);
    expect(err.status).toBe(404);
    expect(err.error).toMatchObject({ code: "response_not_found", param: "previous_response_id" });
    expect(anthropicUp.requests).toHaveLength(0);
  });
});

describe("Codex CLI's recorded request", () => {
  const recorded = fixtureJson<{ url: string; headers: Record<string, string>; body: any }>("recorded/codex-exec.json");
  const replay = (model: string) =>
    fetch(`${gw.url}${recorded.url}`, { method: "POST", headers: { ...recorded.headers, authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ...recorded.body, model }) });

  const events = (text: string) => sseEvents(text).map((e) => JSON.parse(/^data: (.+)$/m.exec(e)![1]!) as { type: string; sequence_number: number });

  it("streams from OpenAI as it came", async () => {
    const res = await replay("openai/gpt-5-codex");
    expect(res.status).toBe(200);
    expect(events(await res.text()).at(-1)!.type).toBe("response.completed");
    expect(JSON.parse(openaiUp.requests[0]!.body).tools.some((t: { type: string }) => t.type === "namespace")).toBe(true);
  });

  it("streams from Claude, translated: namespace tools flattened, web_search as Claude's own", async () => {
    const res = await replay("anthropic/claude-sonnet-4-5");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-strait-dropped") ?? "").not.toContain("web_search");
    const list = events(await res.text());
    expect(list[0]!.type).toBe("response.created");
    expect(list.at(-1)!.type).toBe("response.completed");
    expect(list.map((e) => e.sequence_number)).toEqual(list.map((_, i) => i));
    const sent = JSON.parse(anthropicUp.requests[0]!.body);
    expect(sent.tools.map((t: { name: string }) => t.name)).toContain("exec_command");
    expect(sent.tools.some((t: { name: string }) => t.name.startsWith("multi_agent_v1__"))).toBe(true);
    expect(sent.tools.at(-1)).toMatchObject({ type: "web_search_20250305", name: "web_search" });
  });
});
