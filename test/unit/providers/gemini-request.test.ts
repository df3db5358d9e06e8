import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { modelPathSegment } from "../../../core/providers/gemini/model.js";
import { toGemini } from "../../../core/providers/gemini/request.js";
import { toGeminiSchema } from "../../../core/providers/gemini/schema.js";
import type { ChatRequest } from "../../../core/types.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../fixtures/gemini/${name}`, import.meta.url), "utf8"));
const translate = (body: Partial<ChatRequest>) => toGemini({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }], ...body } as ChatRequest);

function status400(fn: () => unknown, pattern: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    expect((e as GatewayError).status).toBe(400);
    expect((e as GatewayError).message).toMatch(pattern);
    return;
  }
  throw new Error("expected a 400");
}

describe("OpenAI → Gemini request", () => {
  it("a full conversation matches the expected upstream body", () => {
    const { openai, gemini } = fixture("request-conversation.json");
    expect(toGemini(openai)).toEqual(gemini);
  });

  it("a bare request sends only contents", () => {
    expect(translate({})).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  });

  it("maps every tool_choice form", () => {
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" } } } } }];
    expect(translate({ tools, tool_choice: "auto" }).toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(translate({ tools, tool_choice: "none" }).toolConfig).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(translate({ tools, tool_choice: "required" }).toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(translate({ tools }).toolConfig).toBeUndefined();
    status400(() => translate({ tools, tool_choice: "maybe" }), /tool_choice must be/);
  });

  it("json_object sets the JSON MIME type only; reasoning_effort none turns thinking off", () => {
    expect(translate({ response_format: { type: "json_object" } }).generationConfig).toEqual({ responseMimeType: "application/json" });
    expect(translate({ reasoning_effort: "none" }).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
  });

  it("sends audio and files inline", () => {
    const out = translate({ messages: [{ role: "user", content: [
      { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0x" } },
    ] }] });
    expect((out.contents as any)[0].parts).toEqual([{ inlineData: { mimeType: "audio/wav", data: "UklGRg==" } }, { inlineData: { mimeType: "application/pdf", data: "JVBERi0x" } }]);
  });

  it("refuses clearly what Gemini can't do", () => {
    status400(() => translate({ logprobs: true }), /logprobs/);
    status400(() => translate({ messages: [{ role: "tool", tool_call_id: "call_x", content: "1" }] }), /does not match a tool call/);
    status400(() => translate({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }] }] }), /data: URL/);
    status400(() => translate({ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "x", format: "opus" } }] }] }), /input_audio/);
    status400(() => translate({ messages: [{ role: "system", content: "x" }] }), /at least one user/);
    status400(() => translate({ tools: [{ type: "code_interpreter" }] }), /function tools only/);
    status400(() => translate({ response_format: { type: "json_schema", json_schema: { schema: { $ref: "https://x/y.json" } } } }), /local \$refs/);
  });
});

describe("Gemini model names in the URL path", () => {
  it("encodes names and accepts the models/ prefix", () => {
    expect(modelPathSegment("gemini-2.5-flash")).toBe("gemini-2.5-flash");
    expect(modelPathSegment("models/gemini-2.5-flash")).toBe("gemini-2.5-flash");
    expect(modelPathSegment("gemini 2:5")).toBe("gemini%202%3A5");
  });
  it.each(["../../v1/files", "a/b", "x?key=1", "x#y", "a\\b", "a..b", "%2e%2e", "", "a\nb"])("rejects %j with 400", (name) => {
    status400(() => modelPathSegment(name), /Invalid Gemini model name/);
  });
});

describe("JSON Schema → Gemini schema subset", () => {
  it("inlines refs, maps nullable types, oneOf and const, drops unsupported keywords", () => {
    const out = toGeminiSchema({
      type: "object",
      additionalProperties: false,
      definitions: { Color: { type: "string", enum: ["red", "blue"] } },
      properties: {
        color: { $ref: "#/definitions/Color", description: "main" },
        mode: { const: "fast" },
        size: { oneOf: [{ type: "integer" }, { type: "string" }] },
        tags: { type: "array", items: { type: ["string", "number"] }, uniqueItems: true },
        empty: { type: "null" },
      },
    });
    expect(out).toEqual({
      type: "object",
      properties: {
        color: { type: "string", enum: ["red", "blue"], description: "main" },
        mode: { type: "string", enum: ["fast"] },
        size: { anyOf: [{ type: "integer" }, { type: "string" }] },
        tags: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
        empty: { nullable: true },
      },
    });
  });
  it("refuses recursive schemas with a 400 instead of looping", () => {
    status400(() => toGeminiSchema({ $defs: { Node: { type: "object", properties: { next: { $ref: "#/$defs/Node" } } } }, $ref: "#/$defs/Node" }), /recursive/);
  });
});

describe("web search", () => {
  it("web_search_options becomes grounding with Google Search", () => {
    expect(translate({ web_search_options: {} }).tools).toEqual([{ google_search: {} }]);
    const withFunctions = translate({ web_search_options: {}, tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" } } } } }] });
    expect(withFunctions.tools).toEqual([{ functionDeclarations: [expect.objectContaining({ name: "f" })] }, { google_search: {} }]);
  });
});
