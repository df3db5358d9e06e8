/**
 * Guardrails through the real local server: policies on the gateway, a virtual key and an alias;
 * block, redact and flag on the prompt; the answer checked whole (JSON) and as it streams — split
 * at every offset, on every route's stream — with nothing held beyond the window; external checks
 * (a judge model, Bedrock's ApplyGuardrail behind a SigV4-verifying mock) and their failure modes.
 */
import type { ServerResponse } from "node:http";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SSEDecoder } from "../../core/formats/sse.js";
import { type BedrockUpstream, startBedrockUpstream } from "../helpers/bedrock-upstream.js";
import { type MockUpstream, type RecordedRequest, sendJson, startMockUpstream } from "../helpers/mock-upstream.js";
import { main } from "../../cli/index.js";
import { ADMIN_TOKEN, admin, startKeysGateway, type TestGateway } from "./keys-helpers.js";

const OPENAI_KEY = "sk-openai-upstream-guard-0001";
const ANTHROPIC_KEY = "sk-ant-upstream-guard-0001";
const AWS = { accessKeyId: "AKIAGUARDTESTKEY0001", secretAccessKey: "guard-test-secret-0123456789abcdefghijkl" };
const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const WINDOW = 32;

/** What the upstream answers next: its text, cut into stream chunks at these offsets; `hold` pauses the stream after the cut at `holdAt`. */
let plan: { text: string; cuts: number[]; hold?: Promise<void>; holdAt?: number } = { text: "", cuts: [] };
let finished: number | undefined;

const pieces = (text: string, cuts: number[]) => {
  const out: string[] = [];
  let from = 0;
  for (const c of [...cuts, text.length]) {
    if (c > from) out.push(text.slice(from, c));
    from = Math.max(from, c);
  }
  return out;
};

async function stream(res: ServerResponse, events: string[], holdAfter?: number) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (let i = 0; i < events.length; i++) {
    res.write(events[i]);
    if (i === holdAfter && plan.hold) await plan.hold;
  }
  finished = Date.now();
  res.end();
}

/** OpenAI chat completions, and the Responses API natively. */
function openAIUpstream(req: RecordedRequest, res: ServerResponse) {
  const body = JSON.parse(req.body || "{}");
  const parts = pieces(plan.text, plan.cuts);
  if (req.url.startsWith("/v1/responses")) {
    const item = { id: "msg_1", type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: plan.text, annotations: [] }] };
    const response = { id: "resp_1", object: "response", created_at: 1, status: "completed", model: body.model, output: [item], usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12 } };
    if (!body.stream) return sendJson(res, 200, response);
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    return stream(res, [
      ev("response.created", { response: { ...response, status: "in_progress", output: [] } }),
      ev("response.output_item.added", { output_index: 0, item: { ...item, content: [] } }),
      ev("response.content_part.added", { item_id: "msg_1", output_index: 0, content_index: 0, part: { type: "output_text", text: "" } }),
      ...parts.map((delta) => ev("response.output_text.delta", { item_id: "msg_1", output_index: 0, content_index: 0, delta })),
      ev("response.output_text.done", { item_id: "msg_1", output_index: 0, content_index: 0, text: plan.text }),
      ev("response.content_part.done", { item_id: "msg_1", output_index: 0, content_index: 0, part: item.content[0] }),
      ev("response.output_item.done", { output_index: 0, item }),
      ev("response.completed", { response }),
    ]);
  }
  const usage = { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 };
  if (!body.stream) {
    return sendJson(res, 200, { id: "c1", object: "chat.completion", created: 1, model: body.model, choices: [{ index: 0, message: { role: "assistant", content: plan.text }, finish_reason: "stop" }], usage });
  }
  const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const events = [chunk({ role: "assistant", content: "" }), ...parts.map((content) => chunk({ content })), chunk({}, "stop")];
  if (body.stream_options?.include_usage) events.push(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: body.model, choices: [], usage })}\n\n`);
  events.push("data: [DONE]\n\n");
  return stream(res, events, plan.holdAt === undefined ? undefined : plan.holdAt + 1);
}

/** Anthropic's Messages API, natively. */
function anthropicUpstream(req: RecordedRequest, res: ServerResponse) {
  const body = JSON.parse(req.body || "{}");
  const message = { id: "msg_1", type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: plan.text }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 7 } };
  if (!body.stream) return sendJson(res, 200, message);
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return stream(res, [
    ev("message_start", { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ...pieces(plan.text, plan.cuts).map((text) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 7 } }),
    ev("message_stop", {}),
  ]);
}

let openai: MockUpstream;
let anthropic: MockUpstream;
let bedrock: BedrockUpstream;
let gw: TestGateway;

const POLICIES = {
  pii: { rules: [{ name: "personal-data", type: "pii", action: "redact" }] },
  cards: { rules: [{ name: "no-cards", type: "pii", detect: ["card"], action: "block" }] },
  secrets: { rules: [{ name: "credentials", type: "secrets", action: "flag" }] },
  codename: { rules: [{ name: "falcon", type: "keywords", words: ["Project Falcon"], action: "block", on: "output" }] },
  json: { rules: [{ name: "schema", type: "json_schema", action: "block" }] },
  small: { rules: [{ name: "short-prompts", type: "size", maxChars: 50, action: "block", on: "input" }] },
  judge: { rules: [{ name: "llama-guard", type: "judge", model: "mock/judge", action: "block", on: "input" }] },
  "judge-open": { rules: [{ name: "slow-judge", type: "judge", model: "mock/judge-slow-2000", action: "block", on: "input", timeoutMs: 200, onError: "open" }] },
  "judge-closed": { rules: [{ name: "slow-judge", type: "judge", model: "mock/judge-slow-2000", action: "block", on: "input", timeoutMs: 200, onError: "closed" }] },
  bedrock: { rules: [{ name: "aws", type: "bedrock", guardrailId: "gr0123abcd", guardrailVersion: "1", action: "redact", on: "input" }] },
  // One flag policy per built-in detector: the x-strait-guardrails header names those that matched.
  ...Object.fromEntries(
    [...["email", "phone", "card", "iban", "ssn", "ip"].map((k) => [k, "pii"]), ...["aws_access_key", "private_key", "openai_key", "anthropic_key", "google_key", "strait_key", "jwt"].map((k) => [k, "secrets"])].map(([kind, type]) => [
      `d-${kind}`,
      { rules: [{ name: kind, type, detect: [kind], action: "flag", on: "input" }] },
    ]),
  ),
};

/** Each detector: texts it must find, and look-alikes it must not. */
const DETECTOR_SAMPLES: Record<string, { yes: string[]; no: string[] }> = {
  email: { yes: ["mail a.b+tag@mail.example.co.uk now"], no: ["user@localhost", "follow @handle", "a@b", "foo@bar.c"] },
  phone: { yes: ["call +1 415 555 2671", "ring (415) 555-2671", "UK 020 7946 0958", "FR 06 12 34 56 78"], no: ["on 2024-01-15", "version 1.2.3.4", "order 12345678", "total 1,234,567.89", "at 12:30:45"] },
  card: { yes: ["card 4111 1111 1111 1111", "amex 3782-822463-10005"], no: ["card 4111 1111 1111 1112", "id 41111111111111111111111"] },
  iban: { yes: ["IBAN GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"], no: ["GB82 WEST 1234 5698 7654 33", "DE89370400440532013001"] },
  ssn: { yes: ["ssn 123-45-6789"], no: ["ssn 000-45-6789", "ssn 666-45-6789", "number 123456789"] },
  ip: { yes: ["host 192.168.1.20", "v6 2001:db8::1"], no: ["1.2.3.4.5", "octet 256.1.1.1", "at 12:30:45"] },
  aws_access_key: { yes: ["AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"], no: ["AKIAshort", "XKIAIOSFODNN7EXAMPLE"] },
  private_key: { yes: ["-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----"], no: ["-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"] },
  openai_key: { yes: ["sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv"], no: ["sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv", "task-Ab3dEf6hIj9kLm2nOp5qRs8tUv"] },
  anthropic_key: { yes: ["sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv"], no: ["sk-ant-xyz"] },
  google_key: { yes: [`AIza${"B".repeat(35)}`], no: [`AIza${"B".repeat(20)}`] },
  strait_key: { yes: [`sk-strait-${"a1B2".repeat(10)}`], no: ["sk-strait-short"] },
  jwt: { yes: ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"], no: ["one.two.three", "eyJub3QiOiJqd3QifQ.eyJzdWIiOiIxIn0.c2ln"] },
};

beforeAll(async () => {
  openai = await startMockUpstream(openAIUpstream);
  anthropic = await startMockUpstream(anthropicUpstream);
  bedrock = await startBedrockUpstream({
    keys: [AWS],
    handler: (req, res) => {
      const text: string = req.json?.content?.[0]?.text?.text ?? "";
      if (!text.includes("@")) return sendJson(res, 200, { action: "NONE", outputs: [], assessments: [] });
      const masked = text.replace(/\S+@\S+\.\w+/g, "{EMAIL}");
      sendJson(res, 200, { action: "GUARDRAIL_INTERVENED", outputs: [{ text: masked }], assessments: [{ sensitiveInformationPolicy: { piiEntities: [{ type: "EMAIL", match: "x", action: "ANONYMIZED" }] } }] });
    },
  });
  gw = await startKeysGateway({
    file: {
      providers: {
        openai: { baseUrl: `${openai.url}/v1`, apiKeys: [OPENAI_KEY] },
        anthropic: { baseUrl: anthropic.url, apiKeys: [ANTHROPIC_KEY] },
        "aws-bedrock": { baseUrl: bedrock.url, region: "us-east-1", accessKeyId: AWS.accessKeyId, secretAccessKey: AWS.secretAccessKey },
      },
      models: { "guarded-gpt": { targets: ["openai/gpt-4o-mini"], guardrails: ["codename"] } },
      guardrails: { policies: POLICIES, windowChars: WINDOW },
    },
  });
});

afterAll(async () => {
  await gw?.close();
  await openai?.close();
  await anthropic?.close();
  await bedrock?.close();
});

beforeEach(() => {
  plan = { text: "Hello there.", cuts: [] };
  openai.requests.length = 0;
  anthropic.requests.length = 0;
});

const keys = new Map<string, string>();
/** A virtual key whose requests run these policies. */
async function keyFor(...policies: string[]): Promise<string> {
  const name = policies.join("+");
  if (!keys.has(name)) {
    const created = await admin(gw, "POST", "/admin/keys", { name: `guard-${name}`, guardrails: policies });
    expect(created.status).toBe(201);
    keys.set(name, created.json.key);
  }
  return keys.get(name)!;
}

async function post(path: string, key: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const chatBody = (content: string, extra: object = {}) => ({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content }], ...extra });

/** The data of an SSE body's events. */
function events(text: string) {
  const d = new SSEDecoder();
  return [...d.pushText(text), ...d.flush()];
}

/** The text a client assembles from a chat stream, and how it ended. */
function chatStreamText(body: string) {
  let text = "";
  let error: any;
  let done = false;
  for (const ev of events(body)) {
    if (ev.data === "[DONE]") done = true;
    else {
      const json = JSON.parse(ev.data);
      if (json.error) error = json.error;
      else for (const c of json.choices ?? []) text += c.delta?.content ?? "";
    }
  }
  return { text, error, done };
}

describe("the prompt", () => {
  it("a block rule refuses the request with 403 guardrail_blocked, names the policy and rule, never the text, and calls no upstream", async () => {
    const res = await post("/v1/chat/completions", await keyFor("cards"), chatBody(`charge my card ${CARD} please`));
    expect(res.status).toBe(403);
    const err = JSON.parse(res.text).error;
    expect(err.code).toBe("guardrail_blocked");
    expect(err.message).toContain('policy "cards"');
    expect(err.message).toContain('rule "no-cards"');
    expect(res.text).not.toContain("4111");
    expect(res.headers.get("x-strait-guardrails")).toBe("cards:block");
    expect(JSON.parse(res.headers.get("cf-aig-dlp")!)).toEqual({ action: "BLOCK", findings: [{ check: "REQUEST", policy_ids: ["cards"], profile: { context: {}, entry_ids: ["no-cards"], profile_id: "cards" } }] });
    expect(openai.requests).toHaveLength(0);
  });

  it("every built-in detector, through the request path: what it finds and the look-alikes it leaves", async () => {
    const key = await keyFor(...Object.keys(DETECTOR_SAMPLES).map((k) => `d-${k}`));
    for (const [kind, { yes, no }] of Object.entries(DETECTOR_SAMPLES)) {
      for (const text of yes) {
        const res = await post("/v1/chat/completions", key, chatBody(text));
        expect(res.headers.get("x-strait-guardrails") ?? "", `${kind} should find ${JSON.stringify(text)}`).toContain(`d-${kind}:flag`);
      }
      for (const text of no) {
        const res = await post("/v1/chat/completions", key, chatBody(text));
        expect(res.headers.get("x-strait-guardrails") ?? "", `${kind} should leave ${JSON.stringify(text)}`).not.toContain(`d-${kind}:flag`);
      }
    }
  });

  it("a card that fails the Luhn check is not a card", async () => {
    const res = await post("/v1/chat/completions", await keyFor("cards"), chatBody("my ticket is 4111 1111 1111 1112"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-strait-guardrails")).toBeNull();
  });

  it("a redact rule rewrites the prompt before it leaves the gateway", async () => {
    const res = await post("/v1/chat/completions", await keyFor("pii"), chatBody(`write to ${EMAIL} today`));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-strait-guardrails")).toBe("pii:redact");
    const sent = JSON.parse(openai.requests[0]!.body);
    expect(sent.messages[0].content).toBe("write to [EMAIL] today");
    expect(openai.requests[0]!.body).not.toContain(EMAIL);
  });

  it("a redact rule rewrites a native Responses call's input before it leaves", async () => {
    const res = await post("/v1/responses", await keyFor("pii"), { model: "openai/gpt-4o-mini", input: `mail ${EMAIL}` });
    expect(res.status).toBe(200);
    expect(openai.requests[0]!.url).toContain("/v1/responses");
    expect(openai.requests[0]!.body).not.toContain(EMAIL);
    expect(JSON.parse(openai.requests[0]!.body).input).toBe("mail [EMAIL]");
  });

  it("redacts Anthropic system blocks, tool results and translated bodies alike", async () => {
    const key = await keyFor("pii");
    const body = {
      model: "anthropic/claude-sonnet-4-5",
      max_tokens: 64,
      system: [{ type: "text", text: `Operator: ${EMAIL}` }],
      messages: [
        { role: "user", content: "look up the user" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "lookup", input: { query: EMAIL } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: `found ${EMAIL}` }] }] },
      ],
    };
    const native = await post("/v1/messages", key, body);
    expect(native.status).toBe(200);
    expect(anthropic.requests[0]!.body).not.toContain(EMAIL);
    expect(JSON.parse(anthropic.requests[0]!.body).system[0].text).toBe("Operator: [EMAIL]");
    const translated = await post("/v1/messages", key, { ...body, model: "openai/gpt-4o-mini" });
    expect(translated.status).toBe(200);
    expect(openai.requests[0]!.body).not.toContain(EMAIL);
    expect(openai.requests[0]!.body).toContain("[EMAIL]");
  });

  it("the log entry records which rules matched, on the prompt and the answer, never the text; the filter finds it", async () => {
    plan.text = `Ask ${EMAIL}.`;
    const res = await post("/v1/chat/completions", await keyFor("pii"), chatBody(`I am ${EMAIL}, call +1 415 555 2671`));
    const id = res.headers.get("cf-aig-log-id")!;
    let entry: any;
    for (let i = 0; i < 100 && !entry?.guardrails; i++) {
      const got = await admin(gw, "GET", `/admin/logs/${id}`);
      if (got.status === 200) entry = got.json;
      else await new Promise((r) => setTimeout(r, 20));
    }
    expect(entry.guardrails).toEqual([
      { policy: "pii", rule: "personal-data", stage: "input", action: "redact", count: 2, labels: ["EMAIL", "PHONE"] },
      { policy: "pii", rule: "personal-data", stage: "output", action: "redact", count: 1, labels: ["EMAIL"] },
    ]);
    expect(JSON.stringify(entry)).not.toContain(EMAIL);
    const listed = await admin(gw, "GET", "/admin/logs?guardrail=redact");
    expect(listed.json.data.map((e: any) => e.id)).toContain(id);
  });

  it("a flag rule lets the request through unchanged and says so in the headers", async () => {
    const res = await post("/v1/chat/completions", await keyFor("secrets"), chatBody("my key is AKIAIOSFODNN7EXAMPLE, is that bad?"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-strait-guardrails")).toBe("secrets:flag");
    expect(JSON.parse(res.headers.get("cf-aig-dlp")!).action).toBe("FLAG");
    expect(openai.requests[0]!.body).toContain("AKIAIOSFODNN7EXAMPLE");
  });

  it("size limits count characters per request", async () => {
    const key = await keyFor("small");
    expect((await post("/v1/chat/completions", key, chatBody("short"))).status).toBe(200);
    const res = await post("/v1/chat/completions", key, chatBody("x".repeat(51)));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.message).toContain("short-prompts");
  });

  it("the error has the route's own shape on /v1/messages", async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: await keyFor("cards"), maxRetries: 0 });
    const err = await client.messages.create({ model: "anthropic/claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: `card ${CARD}` }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(err.error.type).toBe("error");
    expect(err.error.error.message).toContain("guardrail");
  });

  it("a pass-through request under a policy is refused, not let through unchecked", async () => {
    const res = await post("/openai/v1/chat/completions", await keyFor("pii"), chatBody("hi"));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.code).toBe("guardrail_unsupported");
    expect(openai.requests).toHaveLength(0);
  });
});

describe("the answer, read whole", () => {
  it("redacts the answer's text", async () => {
    plan.text = `Reach her at ${EMAIL}.`;
    const res = await post("/v1/chat/completions", await keyFor("pii"), chatBody("who?"));
    expect(JSON.parse(res.text).choices[0].message.content).toBe("Reach her at [EMAIL].");
    expect(res.headers.get("x-strait-guardrails")).toBe("pii:redact");
  });

  it("blocks an answer with 403, on a model alias's policy", async () => {
    plan.text = "It is called Project Falcon.";
    const plain = (await admin(gw, "POST", "/admin/keys", { name: "no-policies" })).json.key;
    const res = await post("/v1/chat/completions", plain, { model: "guarded-gpt", messages: [{ role: "user", content: "codename?" }] });
    expect(res.status).toBe(403);
    const text = res.text;
    expect(text).toContain("guardrail_blocked");
    expect(text).not.toContain("Falcon");
  });

  it("redacts native Anthropic and Responses answers", async () => {
    plan.text = `Mail ${EMAIL} now`;
    const key = await keyFor("pii");
    const msg = JSON.parse((await post("/v1/messages", key, { model: "anthropic/claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user", content: "hi" }] })).text);
    expect(msg.content[0].text).toBe("Mail [EMAIL] now");
    const resp = JSON.parse((await post("/v1/responses", key, { model: "openai/gpt-4o-mini", input: "hi" })).text);
    expect(resp.output[0].content[0].text).toBe("Mail [EMAIL] now");
  });

  it("checks a JSON answer against the schema the request asked for", async () => {
    const key = await keyFor("json");
    const schema = { type: "object", properties: { n: { type: "number" } }, required: ["n"] };
    const format = { response_format: { type: "json_schema", json_schema: { name: "n", schema } } };
    plan.text = '{"n": 3}';
    expect((await post("/v1/chat/completions", key, chatBody("n?", format))).status).toBe(200);
    plan.text = '{"n": "three"}';
    const bad = await post("/v1/chat/completions", key, chatBody("n?", format));
    expect(bad.status).toBe(403);
    expect(JSON.parse(bad.text).error.message).toContain("does not match the schema");
    expect((await post("/v1/chat/completions", key, chatBody("plain text is fine without a format"))).status).toBe(200);
  });
});

describe("the answer, streamed", () => {
  const answer = `Sure. Her address is ${EMAIL}, and that is all I know.`;

  it("redacts a match split at every offset of the stream, on chat completions", async () => {
    const key = await keyFor("pii");
    for (let cut = 1; cut < answer.length; cut++) {
      plan = { text: answer, cuts: [cut] };
      const res = await post("/v1/chat/completions", key, chatBody("who?", { stream: true }));
      const out = chatStreamText(res.text);
      expect(out, `cut at ${cut}`).toEqual({ text: "Sure. Her address is [EMAIL], and that is all I know.", error: undefined, done: true });
    }
  });

  it("redacts a match cut into one-character chunks", async () => {
    plan = { text: answer, cuts: [...answer].map((_, i) => i + 1) };
    const res = await post("/v1/chat/completions", await keyFor("pii"), chatBody("who?", { stream: true }));
    expect(chatStreamText(res.text).text).toBe("Sure. Her address is [EMAIL], and that is all I know.");
  });

  it("blocks at every offset: an error event, no [DONE], the match never sent", async () => {
    const text = "Here it is: Project Falcon launches soon.";
    const key = await keyFor("codename");
    for (let cut = 1; cut < text.length; cut++) {
      plan = { text, cuts: [cut] };
      const res = await post("/v1/chat/completions", key, chatBody("?", { stream: true }));
      const out = chatStreamText(res.text);
      expect(out.done, `cut at ${cut}`).toBe(false);
      expect(out.error?.code).toBe("guardrail_blocked");
      expect(res.text).not.toContain("Falcon");
    }
  });

  it("the openai SDK sees a blocked stream fail, not end", async () => {
    plan = { text: "Project Falcon is the name.", cuts: [3, 9, 14] };
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: await keyFor("codename"), maxRetries: 0 });
    let text = "";
    const err = await (async () => {
      const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "?" }], stream: true });
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toContain("guardrail");
    expect(text).not.toContain("Falcon");
  });

  it("sends the text before a match while the upstream is still streaming: nothing is held beyond the window", async () => {
    const prefix = "a".repeat(200);
    let release!: () => void;
    plan = { text: `${prefix} ${EMAIL} end`, cuts: [50, 100, 150, 200], hold: new Promise<void>((r) => (release = r)), holdAt: 3 };
    finished = undefined;
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await keyFor("pii")}`, "content-type": "application/json" },
      body: JSON.stringify(chatBody("?", { stream: true })),
    });
    const reader = res.body!.getReader();
    let got = "";
    while (chatStreamText(got).text.length < 200 - WINDOW) {
      const { value, done } = await reader.read();
      if (done) break;
      got += new TextDecoder().decode(value);
    }
    expect(finished).toBeUndefined(); // the upstream is paused, mid-answer
    expect(chatStreamText(got).text.length).toBeGreaterThanOrEqual(200 - WINDOW);
    release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      got += new TextDecoder().decode(value);
    }
    expect(chatStreamText(got).text).toBe(`${prefix} [EMAIL] end`);
  });

  it("redacts native Anthropic streams at every offset (Claude Code's path)", async () => {
    const key = await keyFor("pii");
    for (let cut = 1; cut < answer.length; cut += 3) {
      plan = { text: answer, cuts: [cut, cut + 2] };
      const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
      const stream = client.messages.stream({ model: "anthropic/claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "who?" }] });
      const final = await stream.finalMessage();
      expect(final.content[0], `cut at ${cut}`).toMatchObject({ type: "text", text: "Sure. Her address is [EMAIL], and that is all I know." });
      expect(final.usage.output_tokens).toBe(7);
    }
  });

  it("redacts native Responses streams, their done events and the stored response", async () => {
    plan = { text: answer, cuts: [10, 25, 31] };
    const res = await post("/v1/responses", await keyFor("pii"), { model: "openai/gpt-4o-mini", input: "who?", stream: true });
    expect(res.text).not.toContain(EMAIL);
    const evs = events(res.text);
    const deltas = evs.filter((e) => e.event === "response.output_text.delta").map((e) => JSON.parse(e.data).delta).join("");
    expect(deltas).toBe("Sure. Her address is [EMAIL], and that is all I know.");
    const completed = JSON.parse(evs.find((e) => e.event === "response.completed")!.data);
    expect(completed.response.output[0].content[0].text).toBe("Sure. Her address is [EMAIL], and that is all I know.");
  });

  it("redacts translated streams on /v1/messages and /v1/responses", async () => {
    const key = await keyFor("pii");
    plan = { text: answer, cuts: [12, 24, 36] };
    const client = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
    const final = await client.messages.stream({ model: "openai/gpt-4o-mini", max_tokens: 64, messages: [{ role: "user", content: "who?" }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ text: "Sure. Her address is [EMAIL], and that is all I know." });

    plan = { text: answer, cuts: [12, 24, 36] };
    const responses = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const stream = await responses.responses.create({ model: "anthropic/claude-sonnet-4-5", input: "who?", stream: true });
    let text = "";
    for await (const ev of stream) if (ev.type === "response.output_text.delta") text += ev.delta;
    expect(text).toBe("Sure. Her address is [EMAIL], and that is all I know.");
  });

  it("a streamed answer that breaks the requested schema ends with an error, not [DONE]", async () => {
    plan = { text: '{"n": "three"}', cuts: [4] };
    const format = { response_format: { type: "json_schema", json_schema: { name: "n", schema: { type: "object", properties: { n: { type: "number" } } } } } };
    const res = await post("/v1/chat/completions", await keyFor("json"), chatBody("n?", { stream: true, ...format }));
    const out = chatStreamText(res.text);
    expect(out.done).toBe(false);
    expect(out.error?.code).toBe("guardrail_blocked");
  });
});

describe("external checks", () => {
  it("a judge model through the mock provider blocks what it calls unsafe", async () => {
    const key = await keyFor("judge");
    expect((await post("/v1/chat/completions", key, chatBody("a friendly question"))).status).toBe(200);
    const res = await post("/v1/chat/completions", key, chatBody("something UNSAFE"));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.message).toContain("llama-guard");
  });

  it("a check that times out fails open or closed, as configured", async () => {
    const started = Date.now();
    const open = await post("/v1/chat/completions", await keyFor("judge-open"), chatBody("hello"));
    expect(open.status).toBe(200);
    expect(open.headers.get("x-strait-guardrails")).toBeNull(); // it took no action
    const entry = await admin(gw, "GET", `/admin/logs/${open.headers.get("cf-aig-log-id")}`);
    expect(entry.json.guardrails).toEqual([{ policy: "judge-open", rule: "slow-judge", stage: "input", action: "block", count: 0, failedOpen: true }]);
    const closed = await post("/v1/chat/completions", await keyFor("judge-closed"), chatBody("hello"));
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.text).error.code).toBe("guardrail_unavailable");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("Bedrock ApplyGuardrail, SigV4-signed, masks the prompt", async () => {
    const res = await post("/v1/chat/completions", await keyFor("bedrock"), chatBody(`mail ${EMAIL} please`));
    expect(res.status).toBe(200);
    const applied = bedrock.requests.at(-1)!;
    expect(applied.guardrail).toEqual({ id: "gr0123abcd", version: "1" });
    expect(applied.signer?.service).toBe("bedrock");
    expect(JSON.parse(openai.requests[0]!.body).messages[0].content).toBe("mail {EMAIL} please");
  });
});

describe("keys, cache and admin", () => {
  it("a key can only name policies the gateway defines", async () => {
    const res = await admin(gw, "POST", "/admin/keys", { name: "bad", guardrails: ["nope"] });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('Unknown guardrail policy "nope"');
  });

  it("strait keys create/update --guardrails sets a key's policies, --no-guardrails clears them", async () => {
    let stdout = "";
    let stderr = "";
    const run = (args: string[]) => main(args, { STRAIT_URL: gw.url, STRAIT_ADMIN_TOKEN: ADMIN_TOKEN }, { out: (t) => (stdout = t), err: (t) => (stderr = t) });
    expect(await run(["keys", "create", "--name", "cli-guarded", "--guardrails", "pii, cards"])).toBe(0);
    const key = JSON.parse(stdout);
    expect(key.guardrails).toEqual(["pii", "cards"]);
    expect(await run(["keys", "update", key.id, "--no-guardrails"])).toBe(0);
    expect(JSON.parse(stdout).guardrails).toEqual([]);
    expect(await run(["keys", "update", key.id, "--guardrails", "missing"])).toBe(1);
    expect(stderr).toContain('Unknown guardrail policy "missing"');
  });

  it("a flagged answer is never cached", async () => {
    plan.text = "Use AKIAIOSFODNN7EXAMPLE for now.";
    const key = await keyFor("secrets");
    const first = await post("/v1/chat/completions", key, chatBody("key?"), { "cf-aig-cache-ttl": "600" });
    expect(first.headers.get("cf-aig-cache-status")).toBe("MISS");
    const second = await post("/v1/chat/completions", key, chatBody("key?"), { "cf-aig-cache-ttl": "600" });
    expect(second.headers.get("cf-aig-cache-status")).toBe("MISS");
    expect(openai.requests).toHaveLength(2);
  });

  it("GET /admin/guardrails lists the policies and where they apply", async () => {
    const res = await admin(gw, "GET", "/admin/guardrails");
    expect(res.status).toBe(200);
    const codename = res.json.policies.find((p: any) => p.name === "codename");
    expect(codename).toMatchObject({ gateway: false, aliases: ["guarded-gpt"], rules: [{ name: "falcon", type: "keywords", action: "block", on: "output" }] });
    expect(res.json.windowChars).toBe(WINDOW);
  });

  it("POST /admin/guardrails/test shows what a policy would do", async () => {
    const redact = await admin(gw, "POST", "/admin/guardrails/test", { policy: "pii", text: `mail ${EMAIL}` });
    expect(redact.json).toMatchObject({ action: "redact", text: "mail [EMAIL]", matches: [{ rule: "personal-data", count: 1, labels: ["EMAIL"] }] });
    const block = await admin(gw, "POST", "/admin/guardrails/test", { policy: "cards", text: `pay ${CARD}` });
    expect(block.json).toMatchObject({ action: "block", error: { code: "guardrail_blocked" } });
    const none = await admin(gw, "POST", "/admin/guardrails/test", { policy: "pii", text: "nothing here" });
    expect(none.json).toMatchObject({ action: "allow", matches: [] });
    expect((await admin(gw, "POST", "/admin/guardrails/test", { policy: "nope", text: "x" })).status).toBe(400);
  });
});
