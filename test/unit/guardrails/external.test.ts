import type { ServerResponse } from "node:http";
import { Cancel } from "../../../core/cancel.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../core/config.js";
import { Gateway } from "../../../core/gateway.js";
import { bedrockGuardrail } from "../../../core/guardrails/external/bedrock.js";
import { ExternalCheckError } from "../../../core/guardrails/external/errors.js";
import { runExternal, type ExternalCheck } from "../../../core/guardrails/external/index.js";
import { DEFAULT_JUDGE_PROMPT, judge } from "../../../core/guardrails/external/judge.js";
import { moderate } from "../../../core/guardrails/external/moderation.js";
import type { SideCallContext } from "../../../core/guardrails/external/side-call.js";
import { fetchClient } from "../../../core/http.js";
import type { CallContext } from "../../../core/providers/types.js";
import { silentLogger } from "../../../core/runtime.js";
import { awsError, INVALID_SIGNATURE, sendConverse, startBedrockUpstream, type BedrockRequest, type BedrockUpstream } from "../../helpers/bedrock-upstream.js";
import { sendJson, startMockUpstream, type MockUpstream, type RecordedRequest } from "../../helpers/mock-upstream.js";

/** The external checks against local stand-ins: Bedrock (every SigV4 signature verified), OpenAI's moderations, a judge model. */
const CLIENT = { accessKeyId: "ASIACLIENTKEYEXAMPLE", secretAccessKey: "client/secret+Key/EXAMPLEKEYwJalrXUtnFEMI", sessionToken: "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==" };
const CONFIGURED = { accessKeyId: "AKIACONFIGKEYEXAMPL", secretAccessKey: "configured+Secret/Key0123456789abcdefghij" };
const WRONG_SECRET = "not-the-right-secret-at-all-0123456789";
const OPENAI_KEY = "sk-moderation-test-key-0123456789";
const ARN = "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123xyz";

let bedrock: BedrockUpstream;
let moderation: MockUpstream;
let verdicts: MockUpstream;
/** Bedrock credentials in the config, region us-west-2; OpenAI with a key; the mock; a judge upstream; a judge alias. */
let gw: Gateway;
/** Bedrock with no credential of its own: the caller's x-aws-* headers or nothing. */
let bare: Gateway;
/** A configured secret that AWS refuses. */
let wrong: Gateway;

const gateway = (file: object) => new Gateway(loadConfig(file, {}, { allowOpen: true }), { http: fetchClient, defer() {}, log: silentLogger, env: {} });
const call = (headers: Record<string, string> = {}): SideCallContext => ({ clientHeaders: new Headers(headers), client: {} });
const bedrockCheck = (over: Partial<Extract<ExternalCheck, { type: "bedrock" }>> = {}) => ({ type: "bedrock" as const, guardrailId: "gr7abc123", ...over });

/** ApplyGuardrail as Bedrock answers it, steered by the text: an address is masked, "weapon" is refused, the rest passes. */
function applyGuardrail(req: BedrockRequest, res: ServerResponse) {
  if (!req.guardrail) return awsError(res, 404, "UnknownOperationException", "Unknown operation");
  const text: string = req.json?.content?.[0]?.text?.text ?? "";
  const usage = { topicPolicyUnits: 1, contentPolicyUnits: 1, wordPolicyUnits: 1, sensitiveInformationPolicyUnits: 1, sensitiveInformationPolicyFreeUnits: 0, contextualGroundingPolicyUnits: 0 };
  if (text.includes("weapon")) {
    return sendConverse(res, {
      usage,
      action: "GUARDRAIL_INTERVENED",
      actionReason: "Guardrail blocked.",
      outputs: [{ text: "Sorry, the model cannot answer this question." }],
      assessments: [
        {
          topicPolicy: { topics: [{ name: "Weapons", type: "DENY", action: "BLOCKED", detected: true }] },
          contentPolicy: { filters: [{ type: "VIOLENCE", confidence: "HIGH", filterStrength: "HIGH", action: "BLOCKED", detected: true }, { type: "HATE", confidence: "LOW", filterStrength: "HIGH", action: "NONE", detected: false }] },
          wordPolicy: { customWords: [{ match: "weapon", action: "BLOCKED", detected: true }] },
        },
      ],
    });
  }
  if (text.includes("@")) {
    return sendConverse(res, {
      usage,
      action: "GUARDRAIL_INTERVENED",
      outputs: [{ text: text.replace(/\S+@\S+/g, "{EMAIL}") }],
      assessments: [{ sensitiveInformationPolicy: { piiEntities: [{ match: "jane@example.com", type: "EMAIL", action: "ANONYMIZED", detected: true }], regexes: [] } }],
    });
  }
  return sendConverse(res, { usage, action: "NONE", outputs: [], assessments: [{}] });
}

/** OpenAI's moderations: "hurt" is violent and harassing, "boom" fails with a 500 quoting internals, "html" is not JSON. */
function moderations(req: RecordedRequest, res: ServerResponse) {
  if (req.url !== "/v1/moderations") return sendJson(res, 404, { error: { message: "Unknown path", type: "invalid_request_error", param: null, code: null } });
  const { input, model } = JSON.parse(req.body);
  if (input.includes("boom")) return sendJson(res, 500, { error: { message: `upstream internals: ${input}`, type: "server_error", param: null, code: null } });
  if (input.includes("html")) return void res.writeHead(200, { "content-type": "text/html" }).end("<html>hello</html>");
  const violent = input.includes("hurt");
  const categories = { harassment: violent, "harassment/threatening": false, hate: false, sexual: false, violence: violent, "self-harm": false };
  const scores = Object.fromEntries(Object.entries(categories).map(([k, v]) => [k, v ? 0.91 : 0.001]));
  sendJson(res, 200, { id: "modr-0", model, results: [{ flagged: violent, categories, category_scores: scores }] });
}

/** A judge model's upstream (OpenAI-compatible) that answers whatever `answer` says. */
let answer = "safe";
function judgeUpstream(req: RecordedRequest, res: ServerResponse) {
  const body = JSON.parse(req.body);
  sendJson(res, 200, {
    id: "chatcmpl-judge",
    object: "chat.completion",
    created: 1_700_000_000,
    model: body.model,
    choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  });
}

beforeAll(async () => {
  bedrock = await startBedrockUpstream({ keys: [CLIENT, CONFIGURED], handler: applyGuardrail });
  moderation = await startMockUpstream(moderations);
  verdicts = await startMockUpstream(judgeUpstream);
  gw = gateway({
    providers: {
      "aws-bedrock": { baseUrl: bedrock.url, region: "us-west-2", ...CONFIGURED },
      openai: { baseUrl: `${moderation.url}/v1`, apiKeys: [OPENAI_KEY] },
      verdicts: { type: "openai-compatible", baseUrl: `${verdicts.url}/v1` },
    },
    models: { guard: "mock/judge", "guard-remote": "verdicts/llama-guard-3-8b" },
  });
  bare = gateway({ providers: { "aws-bedrock": { baseUrl: bedrock.url } } });
  wrong = gateway({ providers: { "aws-bedrock": { baseUrl: bedrock.url, accessKeyId: CONFIGURED.accessKeyId, secretAccessKey: WRONG_SECRET } } });
});
afterAll(async () => {
  await Promise.all([bedrock.close(), moderation.close(), verdicts.close()]);
});
afterEach(() => {
  bedrock.requests.length = 0;
  bedrock.handle(applyGuardrail);
  moderation.requests.length = 0;
  verdicts.requests.length = 0;
  answer = "safe";
});

async function failure(p: Promise<unknown>): Promise<ExternalCheckError> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(ExternalCheckError);
  return e as ExternalCheckError;
}

describe("Bedrock ApplyGuardrail", () => {
  it("passes a text the guardrail does not act on, signed with the configured keys for the configured region", async () => {
    const verdict = await bedrockGuardrail(gw, bedrockCheck(), "What is the capital of France?", "input", call());
    expect(verdict).toEqual({ flagged: false, labels: [] });
    const [req] = bedrock.requests;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe("/guardrail/gr7abc123/version/DRAFT/apply");
    expect(req!.json).toEqual({ source: "INPUT", content: [{ text: { text: "What is the capital of France?" } }] });
    expect(req!.signer).toMatchObject({ accessKeyId: CONFIGURED.accessKeyId, region: "us-west-2", service: "bedrock" });
  });

  it("flags a refused text with the policies' names, and no rewrite: the blocked message is not the text", async () => {
    const verdict = await bedrockGuardrail(gw, bedrockCheck({ guardrailVersion: "3" }), "how to build a weapon", "output", call());
    expect(verdict).toEqual({ flagged: true, labels: ["Weapons", "VIOLENCE", "CUSTOM_WORD"] });
    expect(bedrock.requests[0]!.path).toBe("/guardrail/gr7abc123/version/3/apply");
    expect(bedrock.requests[0]!.json.source).toBe("OUTPUT");
  });

  it("returns the guardrail's masked text when it anonymised rather than refused; labels name the entity, never the match", async () => {
    const verdict = await bedrockGuardrail(gw, bedrockCheck(), "Mail jane@example.com today", "input", call());
    expect(verdict).toEqual({ flagged: true, labels: ["EMAIL"], rewritten: "Mail {EMAIL} today" });
    expect(JSON.stringify(verdict.labels)).not.toContain("jane");
  });

  it("signs with the caller's x-aws-* keys and session token, in the caller's x-aws-region", async () => {
    const headers = { "x-aws-access-key-id": CLIENT.accessKeyId, "x-aws-secret-access-key": CLIENT.secretAccessKey, "x-aws-session-token": CLIENT.sessionToken, "x-aws-region": "ap-southeast-2" };
    const used: CallContext[] = [];
    const verdict = await bedrockGuardrail(bare, bedrockCheck(), "hello", "input", { ...call(headers), onCredential: (c) => used.push(c) });
    expect(verdict.flagged).toBe(false);
    expect(bedrock.requests[0]!.signer).toMatchObject({ accessKeyId: CLIENT.accessKeyId, region: "ap-southeast-2" });
    expect(bedrock.requests[0]!.headers["x-amz-security-token"]).toBe(CLIENT.sessionToken);
    expect(used.map((c) => c.credential.source)).toEqual(["client"]);
  });

  it("sends an ARN identifier as one encoded path segment, and the signature still verifies", async () => {
    const verdict = await bedrockGuardrail(gw, bedrockCheck({ guardrailId: ARN, guardrailVersion: "12" }), "hello", "input", call());
    expect(verdict.flagged).toBe(false);
    const [req] = bedrock.requests;
    expect(req!.path).toBe("/guardrail/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aguardrail%2Fabc123xyz/version/12/apply");
    expect(req!.guardrail).toEqual({ id: ARN, version: "12" });
    expect(req!.signer?.canonicalRequest.split("\n")[1]).toBe("/guardrail/arn%253Aaws%253Abedrock%253Aus-east-1%253A123456789012%253Aguardrail%252Fabc123xyz/version/12/apply");
  });

  it("fails on AWS's 403 for a wrong secret, naming the status but neither the secret, the text nor AWS's message", async () => {
    const text = "a confidential prompt about Project Nightingale";
    const e = await failure(bedrockGuardrail(wrong, bedrockCheck(), text, "input", call()));
    expect(e.check).toBe("bedrock");
    expect(e.message).toMatch(/bedrock/);
    expect(e.message).toMatch(/403/);
    for (const hidden of [WRONG_SECRET, CONFIGURED.accessKeyId, text, "Nightingale", INVALID_SIGNATURE.slice(0, 30)]) expect(e.message).not.toContain(hidden);
    expect(bedrock.received).toBeGreaterThan(0);
  });

  it("fails without a credential before any call, in the gateway's own words", async () => {
    const before = bedrock.received;
    const e = await failure(bedrockGuardrail(bare, bedrockCheck(), "hello", "input", call()));
    expect(e.message).toMatch(/no AWS credential/);
    expect(bedrock.received).toBe(before);
  });

  it("names a provider that is not configured, or not Bedrock", async () => {
    expect((await failure(bedrockGuardrail(gw, bedrockCheck({ provider: "bedrock-eu" }), "hello", "input", call()))).message).toMatch(/provider "bedrock-eu" is not configured/);
    expect((await failure(bedrockGuardrail(gw, bedrockCheck({ provider: "openai" }), "hello", "input", call()))).message).toMatch(/not an AWS Bedrock provider/);
  });

  it("gives up on a silent Bedrock at timeoutMs", async () => {
    bedrock.handle(() => new Promise(() => {}));
    const started = Date.now();
    const e = await failure(runExternal(gw, bedrockCheck({ guardrailId: "silent1", timeoutMs: 300 }), "hello", "input", call()));
    expect(Date.now() - started).toBeLessThan(800);
    expect(e.message).toMatch(/timed out after 300 ms/);
  });

  it("stops when the guarded request is cancelled", async () => {
    bedrock.handle(() => new Promise(() => {}));
    const client = new AbortController();
    setTimeout(() => client.abort(), 50);
    const e = await failure(bedrockGuardrail(gw, bedrockCheck({ guardrailId: "silent2", timeoutMs: 5000 }), "hello", "input", { ...call(), cancel: Cancel.of(client.signal) }));
    expect(e.message).toMatch(/cancelled/);
    const before = bedrock.received;
    expect((await failure(bedrockGuardrail(gw, bedrockCheck(), "hello", "input", { ...call(), cancel: Cancel.of(client.signal) }))).message).toMatch(/cancelled/);
    expect(bedrock.received).toBe(before);
  });
});

describe("OpenAI moderation", () => {
  const check = (over: Partial<Extract<ExternalCheck, { type: "moderation" }>> = {}) => ({ type: "moderation" as const, ...over });

  it("flags what OpenAI flags, with the true categories, through the provider's /v1 with its key", async () => {
    const verdict = await moderate(gw, check(), "I will hurt you", call());
    expect(verdict).toEqual({ flagged: true, labels: ["harassment", "violence"] });
    const [req] = moderation.requests;
    expect(req!.url).toBe("/v1/moderations");
    expect(JSON.parse(req!.body)).toEqual({ model: "omni-moderation-latest", input: "I will hurt you" });
    expect(req!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it("passes what OpenAI does not flag; a configured model goes as it is", async () => {
    expect(await runExternal(gw, check({ model: "text-moderation-latest" }), "good morning", "input", call())).toEqual({ flagged: false, labels: [] });
    expect(JSON.parse(moderation.requests[0]!.body).model).toBe("text-moderation-latest");
  });

  it("with categories, counts only those", async () => {
    expect(await moderate(gw, check({ categories: ["sexual", "hate"] }), "I will hurt you", call())).toEqual({ flagged: false, labels: [] });
    expect(await moderate(gw, check({ categories: ["violence"] }), "I will hurt you", call())).toEqual({ flagged: true, labels: ["violence"] });
  });

  it("fails on a 500 without quoting the upstream's body or the text", async () => {
    const e = await failure(moderate(gw, check(), "boom goes the secret plan", call()));
    expect(e.check).toBe("moderation");
    expect(e.message).toMatch(/moderation.*500/);
    expect(e.message).not.toContain("internals");
    expect(e.message).not.toContain("secret plan");
  });

  it("fails on an answer that is not JSON", async () => {
    expect((await failure(moderate(gw, check(), "html please", call()))).message).toMatch(/not JSON/);
  });

  it("names a provider that is not configured", async () => {
    expect((await failure(moderate(gw, check({ provider: "moderator" }), "hi", call()))).message).toMatch(/provider "moderator" is not configured/);
  });
});

describe("a model as judge", () => {
  const check = (model: string, over: Partial<Extract<ExternalCheck, { type: "judge" }>> = {}) => ({ type: "judge" as const, model, ...over });

  it("passes what the judge calls safe", async () => {
    expect(await runExternal(gw, check("mock/judge"), "What is the capital of France?", "input", call())).toEqual({ flagged: false, labels: [] });
  });

  it("flags what the judge calls unsafe, with its categories; an alias routes like provider/model", async () => {
    expect(await judge(gw, check("mock/judge"), "this is UNSAFE", "input", call())).toEqual({ flagged: true, labels: ["S1"] });
    expect(await judge(gw, check("guard"), "this is UNSAFE", "output", call())).toEqual({ flagged: true, labels: ["S1"] });
  });

  it("sends Llama Guard's prompt for the role checked, deterministic and short", async () => {
    await judge(gw, check("guard-remote"), "Sure, here it is.", "output", call());
    const body = JSON.parse(verdicts.requests[0]!.body);
    expect(body).toMatchObject({ model: "llama-guard-3-8b", temperature: 0, max_tokens: 20, stream: false });
    expect(body.messages).toEqual([{ role: "user", content: DEFAULT_JUDGE_PROMPT.replaceAll("{role}", "Agent").replace("{text}", "Sure, here it is.") }]);
    expect(body.messages[0].content).toContain("Agent: Sure, here it is.");
    expect(body.messages[0].content).toMatch(/First line must read 'safe' or 'unsafe'/);
    expect(DEFAULT_JUDGE_PROMPT).not.toContain("UNSAFE");
  });

  it("takes a custom prompt: {role} and {text} filled once, a {role} in the text left alone", async () => {
    answer = "unsafe\nS10, S11";
    const verdict = await judge(gw, check("verdicts/guard-model", { prompt: "Judge the {role}'s words: {text}" }), "hello {role}", "input", call());
    expect(verdict).toEqual({ flagged: true, labels: ["S10", "S11"] });
    expect(JSON.parse(verdicts.requests[0]!.body).messages[0].content).toBe("Judge the User's words: hello {role}");
    expect(await judge(gw, check("mock/judge", { prompt: "Rate: {text}" }), "an UNSAFE text", "input", call())).toEqual({ flagged: true, labels: ["S1"] });
  });

  it("refuses a custom prompt with no {text}", async () => {
    expect((await failure(judge(gw, check("mock/judge", { prompt: "Is this safe?" }), "hi", "input", call()))).message).toMatch(/\{text\}/);
  });

  it("reads the verdict leniently: blank lines, case, spaces; at most 10 categories of 40 characters", async () => {
    answer = "\n  Unsafe \n S1, S2 ,, \n";
    expect(await judge(gw, check("verdicts/g"), "x", "input", call())).toEqual({ flagged: true, labels: ["S1", "S2"] });
    answer = "SAFE.";
    expect(await judge(gw, check("verdicts/g"), "x", "input", call())).toEqual({ flagged: false, labels: [] });
    answer = `unsafe\n${Array.from({ length: 12 }, (_, i) => `category ${i} ${"x".repeat(50)}`).join(",")}`;
    const { labels } = await judge(gw, check("verdicts/g"), "x", "input", call());
    expect(labels).toHaveLength(10);
    for (const l of labels) expect(l.length).toBeLessThanOrEqual(40);
  });

  it("fails on an unparseable verdict without quoting it", async () => {
    answer = "maybe";
    const e = await failure(judge(gw, check("verdicts/g"), "x", "input", call()));
    expect(e.check).toBe("judge");
    expect(e.message).toMatch(/unparseable verdict/);
    expect(e.message).not.toContain("maybe");
  });

  it("gives up on a slow judge at timeoutMs", async () => {
    const started = Date.now();
    const e = await failure(runExternal(gw, check("mock/judge-slow-3000", { timeoutMs: 200 }), "x", "input", call()));
    expect(Date.now() - started).toBeLessThan(700);
    expect(e.message).toMatch(/timed out after 200 ms/);
  });

  it("fails on a model the gateway cannot route, or a failing one", async () => {
    expect((await failure(judge(gw, check("no-such-model"), "x", "input", call()))).message).toMatch(/model "no-such-model"/);
    expect((await failure(judge(gw, check("mock/error-503"), "x", "input", call()))).message).toMatch(/503/);
  });
});
