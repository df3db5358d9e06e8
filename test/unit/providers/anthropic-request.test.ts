import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { toAnthropic } from "../../../core/providers/anthropic/request.js";
import type { ChatRequest } from "../../../core/types.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/anthropic/${name}`, import.meta.url), "utf8"));
const ctx = (stream = false, config = {}) => ({ model: "claude-sonnet-4-5", stream, config });
const translate = (body: Partial<ChatRequest>, stream = false, config = {}) =>
  toAnthropic({ model: "anthropic/claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }], ...body } as ChatRequest, ctx(stream, config));

function rejects(body: Partial<ChatRequest>, pattern: RegExp, param?: string) {
  try {
    translate(body);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    expect((e as GatewayError).status).toBe(400);
    expect((e as GatewayError).message).toMatch(pattern);
    if (param) expect((e as GatewayError).param).toBe(param);
    return;
  }
  throw new Error("expected a 400");
}

describe("OpenAI → Anthropic request", () => {
  it.each(["request-conversation.json", "request-json-stream.json", "request-thinking.json"])("%s matches the expected upstream body", (name) => {
    const { openai, anthropic } = fixture(name);
    expect(toAnthropic(openai, ctx(openai.stream === true))).toEqual(anthropic);
  });

  it("sends the documented default max_tokens, or the configured one", () => {
    expect(translate({}).max_tokens).toBe(4096);
    expect(translate({}, false, { defaultMaxTokens: 1000 }).max_tokens).toBe(1000);
    expect(translate({ max_tokens: 77 }).max_tokens).toBe(77);
    expect(translate({ max_tokens: 77, max_completion_tokens: 99 }).max_tokens).toBe(99);
  });

  it("maps every tool_choice form", () => {
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: {} } } }];
    expect(translate({ tools, tool_choice: "auto" }).tool_choice).toEqual({ type: "auto" });
    expect(translate({ tools, tool_choice: "none" }).tool_choice).toEqual({ type: "none" });
    expect(translate({ tools, tool_choice: "required" }).tool_choice).toEqual({ type: "any" });
    expect(translate({ tools, tool_choice: { type: "function", function: { name: "f" } } }).tool_choice).toEqual({ type: "tool", name: "f" });
    expect(translate({ tools, parallel_tool_calls: false }).tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(translate({ tools }).tool_choice).toBeUndefined();
    expect(translate({ tools: [{ type: "function", function: { name: "g" } }] }).tools).toEqual([{ name: "g", input_schema: { type: "object", properties: {} } }]);
  });

  it("keeps a client's cache_control on text parts (prompt caching)", () => {
    const out = translate({ messages: [{ role: "system", content: [{ type: "text", text: "long", cache_control: { type: "ephemeral" } }] }, { role: "user", content: "q" }] });
    expect(out.system).toEqual([{ type: "text", text: "long", cache_control: { type: "ephemeral" } }]);
  });

  it("turns a PDF file part into a document block", () => {
    const out = translate({ messages: [{ role: "user", content: [{ type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0x" } }] }] });
    expect((out.messages as any)[0].content[0]).toEqual({ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" } });
  });

  it("json_object forces the JSON tool with an open object schema", () => {
    const out = translate({ response_format: { type: "json_object" } });
    expect(out.tool_choice).toEqual({ type: "tool", name: "strait_json_response" });
    expect((out.tools as any)[0].input_schema).toEqual({ type: "object" });
    expect(translate({ response_format: { type: "text" } }).tools).toBeUndefined();
  });

  it("refuses clearly what Anthropic can't do", () => {
    rejects({ n: 2 }, /n must be 1/, "n");
    rejects({ logprobs: true }, /logprobs/, "logprobs");
    rejects({ modalities: ["text", "audio"] }, /modalities/);
    rejects({ response_format: { type: "json_schema", json_schema: { name: "x", schema: {} } }, tools: [{ type: "function", function: { name: "f" } }] }, /cannot be combined with tools/);
    rejects({ response_format: { type: "xml" } }, /not supported/);
    rejects({ tools: [{ type: "function", function: { name: "strait_json_response" } }] }, /reserved/);
    rejects({ tools: [{ type: "web_search" }] }, /function tools only/);
    rejects({ tool_choice: "sometimes", tools: [{ type: "function", function: { name: "f" } }] }, /tool_choice must be/);
    rejects({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }] }, /data: URL/);
    rejects({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/bmp;base64,Qk0=" } }] }] }, /image\/jpeg/);
    rejects({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }] }, /not supported by Anthropic/);
    rejects({ messages: [{ role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: "{oops" } }] }] }, /JSON object/);
    rejects({ messages: [{ role: "tool", content: "x" }] }, /tool_call_id/);
    rejects({ messages: [{ role: "system", content: "only a system prompt" }] }, /at least one user/);
    rejects({ messages: [{ role: "function", name: "f", content: "x" }] }, /not supported by Anthropic/);
  });

  it("drops sampling hints with no equivalent (documented) and passes top_k", () => {
    const out = translate({ presence_penalty: 1, frequency_penalty: 1, seed: 3, logit_bias: { "1": 2 }, top_k: 5 });
    expect(out).not.toHaveProperty("presence_penalty");
    expect(out).not.toHaveProperty("seed");
    expect(out.top_k).toBe(5);
  });
});

describe("web search", () => {
  it("web_search_options becomes Anthropic's web search tool, beside the function tools", () => {
    const out = toAnthropic(
      {
        model: "m",
        messages: [{ role: "user", content: "News?" }],
        tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
        web_search_options: { user_location: { type: "approximate", approximate: { city: "Oslo" } } },
      },
      { model: "claude", stream: false, config: {} },
    );
    expect(out.tools).toEqual([{ name: "f", input_schema: { type: "object" } }, { type: "web_search_20250305", name: "web_search", user_location: { type: "approximate", city: "Oslo" } }]);
  });
});
