import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../../core/errors.js";
import { builtInToolNames, flatName, responsesToChat } from "../../../../core/formats/responses/index.js";
import { fixtureJson } from "../../../helpers/fixtures.js";

const chat = (body: Record<string, unknown>, history?: any[]) => responsesToChat({ model: "m", ...body }, history);

/** The 400 a body gets: its param and message. */
function refusal(body: unknown, history?: any[]): { param: string | null; message: string; code: string | null } {
  try {
    responsesToChat(body, history);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    const err = e as GatewayError;
    expect(err.status).toBe(400);
    return { param: err.param, message: err.message, code: err.code };
  }
  throw new Error("expected a 400");
}

const fn = (name: string, extra: object = {}) => ({ type: "function", name, parameters: { type: "object", properties: {} }, ...extra });

describe("responsesToChat: messages", () => {
  it("instructions become the first system message; a string input one user message", () => {
    const { chat: c, dropped } = chat({ instructions: "Be brief.", input: "Hi" });
    expect(c).toEqual({ model: "m", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(dropped).toEqual([]);
  });

  it("message items: every role, string or parts; developer and system become system", () => {
    const { chat: c } = chat({
      input: [
        { type: "message", role: "developer", content: [{ type: "input_text", text: "Dev rules" }] },
        { role: "system", content: "Sys" },
        { type: "message", role: "user", content: [{ type: "input_text", text: "One" }] },
        { type: "message", role: "user", content: [{ type: "input_text", text: "A" }, { type: "input_text", text: "B" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Answer", annotations: [] }], id: "msg_1", status: "completed" },
      ],
    });
    expect(c.messages).toEqual([
      { role: "system", content: "Dev rules" },
      { role: "system", content: "Sys" },
      { role: "user", content: "One" },
      { role: "user", content: [{ type: "text", text: "A" }, { type: "text", text: "B" }] },
      { role: "assistant", content: "Answer" },
    ]);
  });

  it("input_image (URL, data URL, detail) and input_file (file_data) become chat parts", () => {
    const { chat: c } = chat({
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Look" },
            { type: "input_image", image_url: "https://x.test/a.png", detail: "high" },
            { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "original" },
            { type: "input_file", file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" },
          ],
        },
      ],
    });
    expect(c.messages[0]!.content).toEqual([
      { type: "text", text: "Look" },
      { type: "image_url", image_url: { url: "https://x.test/a.png", detail: "high" } },
      { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
    ]);
  });

  it("file ids and file URLs are refused with the field named and the fix", () => {
    const image = refusal({ model: "m", input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] });
    expect(image.param).toBe("input[0].content[0].file_id");
    expect(image.message).toMatch(/image_url/);
    const file = refusal({ model: "m", input: [{ role: "user", content: [{ type: "input_text", text: "x" }, { type: "input_file", file_id: "file-1" }] }] });
    expect(file.param).toBe("input[0].content[1].file_id");
    expect(file.message).toMatch(/file_data/);
    expect(refusal({ model: "m", input: [{ role: "user", content: [{ type: "input_file", file_url: "https://x.test/a.pdf" }] }] }).param).toBe("input[0].content[0].file_url");
  });

  it("images are refused outside user messages", () => {
    const r = refusal({ model: "m", input: [{ role: "system", content: [{ type: "input_image", image_url: "https://x.test/a.png" }] }] });
    expect(r.param).toBe("input[0].content[0].type");
  });

  it("consecutive function calls join the assistant message before them; outputs become tool messages", () => {
    const { chat: c } = chat({
      input: [
        { role: "user", content: "Weather?" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking." }] },
        { type: "function_call", call_id: "c1", name: "get_weather", arguments: '{"city":"Paris"}', id: "fc_1", status: "completed" },
        { type: "function_call", call_id: "c2", name: "get_weather", arguments: '{"city":"Tokyo"}' },
        { type: "function_call_output", call_id: "c1", output: "18C" },
        { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "25C" }] },
        { type: "function_call", call_id: "c3", name: "get_time", arguments: "{}" },
      ],
    });
    expect(c.messages).toEqual([
      { role: "user", content: "Weather?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "c2", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "18C" },
      { role: "tool", tool_call_id: "c2", content: "25C" },
      { role: "assistant", content: null, tool_calls: [{ id: "c3", type: "function", function: { name: "get_time", arguments: "{}" } }] },
    ]);
  });

  it("images a tool returned follow the tool messages in a user message (chat tool messages take text only)", () => {
    const { chat: c } = chat({
      input: [
        { type: "function_call", call_id: "c1", name: "screenshot", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: [{ type: "input_image", image_url: "data:image/png;base64,AAAA" }] },
        { role: "user", content: "What do you see?" },
      ],
    });
    expect(c.messages.slice(1)).toEqual([
      { role: "tool", tool_call_id: "c1", content: expect.stringMatching(/follows in the next message/) },
      { role: "user", content: [{ type: "text", text: "Content returned by tool call c1:" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
      { role: "user", content: "What do you see?" },
    ]);
  });

  it("reasoning rides on the next assistant turn as reasoning_content; encrypted content is dropped and listed", () => {
    const { chat: c, dropped } = chat({
      input: [
        { role: "user", content: "Q" },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Think A" }, { type: "summary_text", text: "Think B" }], encrypted_content: "gAAA" },
        { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "ok" },
        { type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "Raw thought" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Done" }] },
      ],
    });
    expect(c.messages[1]).toMatchObject({ role: "assistant", reasoning_content: "Think A\n\nThink B" });
    expect(c.messages[3]).toEqual({ role: "assistant", content: "Done", reasoning_content: "Raw thought" });
    expect(dropped).toEqual(["input:reasoning.encrypted_content"]);
  });

  it("reasoning with no assistant turn after it is dropped and listed, never an error", () => {
    for (const reasoning of [
      { type: "reasoning", summary: [{ type: "summary_text", text: "T" }] },
      { type: "reasoning", summary: "not a list", encrypted_content: 7 },
      { type: "reasoning" },
    ]) {
      const { chat: c, dropped } = chat({ input: [{ role: "user", content: "Q" }, reasoning, { role: "user", content: "Again" }] });
      expect(c.messages).toEqual([{ role: "user", content: "Q" }, { role: "user", content: "Again" }]);
      expect(dropped).toEqual(reasoning.summary === undefined || typeof reasoning.summary === "string" ? [] : ["input:reasoning"]);
    }
  });

  it("item references and unknown item types are dropped and listed", () => {
    const { chat: c, dropped } = chat({
      input: [
        { type: "item_reference", id: "msg_0" },
        { role: "user", content: "Q" },
        { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "x" } },
        { type: "brand_new_item" },
      ],
    });
    expect(c.messages).toEqual([{ role: "user", content: "Q" }]);
    expect(dropped).toEqual(["input:item_reference", "input:web_search_call", "input:brand_new_item"]);
  });

  it("history (previous_response_id) comes before the new input; instructions still first", () => {
    const history = [
      { type: "message", role: "user", content: "First" },
      { type: "reasoning", id: "rs_x_0", summary: [{ type: "summary_text", text: "Hmm" }] },
      { id: "msg_x_1", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello", annotations: [], logprobs: [] }] },
    ];
    const { chat: c } = chat({ instructions: "Sys", input: "Second", previous_response_id: "resp_x" }, history);
    expect(c.messages).toEqual([
      { role: "system", content: "Sys" },
      { role: "user", content: "First" },
      { role: "assistant", content: "Hello", reasoning_content: "Hmm" },
      { role: "user", content: "Second" },
    ]);
    expect(chat({ previous_response_id: "resp_x" }, history).chat.messages).toHaveLength(2);
  });
});

describe("responsesToChat: tools", () => {
  it("function tools map to chat tools, strict and description kept", () => {
    const { chat: c } = chat({ input: "x", tools: [fn("a", { strict: true, description: "Does a" }), { type: "function", name: "b", parameters: null }] });
    expect(c.tools).toEqual([
      { type: "function", function: { name: "a", description: "Does a", parameters: { type: "object", properties: {} }, strict: true } },
      { type: "function", function: { name: "b" } },
    ]);
  });

  it("namespace tools are flattened and recorded so calls map back", () => {
    const { chat: c, namespaces } = chat({
      input: "x",
      tools: [
        { type: "namespace", name: "crm", description: "CRM", tools: [fn("find"), { type: "custom", name: "raw", format: { type: "text" } }] },
        { type: "namespace", name: "mcp__github__", description: "", tools: [fn("get_issue")] },
      ],
    });
    expect((c.tools as any[]).map((t: any) => t.function.name)).toEqual(["crm__find", "mcp__github__get_issue"]);
    expect({ ...namespaces }).toEqual({ crm__find: { namespace: "crm", name: "find" }, mcp__github__get_issue: { namespace: "mcp__github__", name: "get_issue" } });
  });

  it("flattened names fit chat's [A-Za-z0-9_-]{1,64} and stay distinct", () => {
    expect(flatName("ns", "tool")).toBe("ns__tool");
    const long = flatName("n".repeat(40), "t".repeat(40));
    expect(long).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(flatName("a.b", "c")).not.toBe(flatName("a_b", "c"));
    expect(flatName("a.b", "c")).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it("a namespaced function_call in history uses the same flattened name", () => {
    const { chat: c } = chat({ input: [{ type: "function_call", call_id: "c", name: "find", namespace: "crm", arguments: "{}" }], tools: [{ type: "namespace", name: "crm", description: "", tools: [fn("find")] }] });
    expect((c.messages[0]!.tool_calls as any)[0].function.name).toBe("crm__find");
  });

  it("built-in and custom tools are dropped and listed; builtInToolNames names them for a strict route", () => {
    const tools = [
      fn("a"),
      { type: "web_search" },
      { type: "web_search_preview" },
      { type: "file_search", vector_store_ids: ["vs"] },
      { type: "code_interpreter", container: { type: "auto" } },
      { type: "computer_use_preview", display_width: 1, display_height: 1, environment: "linux" },
      { type: "image_generation" },
      { type: "local_shell" },
      { type: "mcp", server_label: "x", server_url: "https://x.test" },
      { type: "custom", name: "apply_patch", format: { type: "grammar" } },
      { type: "namespace", name: "ns", description: "", tools: [{ type: "custom", name: "c" }] },
    ];
    const { chat: c, dropped } = chat({ input: "x", tools });
    expect(c.tools).toHaveLength(1);
    const names = ["web_search", "web_search_preview", "file_search", "code_interpreter", "computer_use_preview", "image_generation", "local_shell", "mcp", "custom"];
    expect(dropped).toEqual(names.map((n) => `tools:${n}`));
    expect(builtInToolNames({ tools })).toEqual(names);
    expect(builtInToolNames({ tools: [fn("a")] })).toEqual([]);
    expect(builtInToolNames(null)).toEqual([]);
    expect(builtInToolNames({ tools: "nope" })).toEqual([]);
  });

  it("tool_choice: auto/none/required, a function, allowed_tools; parallel_tool_calls", () => {
    const tools = [fn("a"), fn("b"), { type: "namespace", name: "ns", description: "", tools: [fn("c")] }];
    expect(chat({ input: "x", tools, tool_choice: "required", parallel_tool_calls: false }).chat).toMatchObject({ tool_choice: "required", parallel_tool_calls: false });
    expect(chat({ input: "x", tools, tool_choice: { type: "function", name: "b" } }).chat.tool_choice).toEqual({ type: "function", function: { name: "b" } });
    expect(chat({ input: "x", tools, tool_choice: { type: "function", name: "c", namespace: "ns" } }).chat.tool_choice).toEqual({ type: "function", function: { name: "ns__c" } });
    const allowed = chat({ input: "x", tools, tool_choice: { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "b" }, { type: "mcp", server_label: "x" }] } });
    expect((allowed.chat.tools as any[]).map((t: any) => t.function.name)).toEqual(["b"]);
    expect(allowed.chat.tool_choice).toBe("required");
    expect(allowed.dropped).toEqual(["tool_choice:allowed_tools.mcp"]);
  });

  it("a tool_choice with no tool left to choose is dropped; one naming a missing function is a 400", () => {
    const hosted = chat({ input: "x", tools: [{ type: "web_search" }], tool_choice: { type: "web_search_preview" }, parallel_tool_calls: true });
    expect(hosted.chat).not.toHaveProperty("tool_choice");
    expect(hosted.chat).not.toHaveProperty("parallel_tool_calls");
    expect(hosted.dropped).toEqual(["tools:web_search", "tool_choice:web_search_preview"]);
    expect(chat({ input: "x", tool_choice: "required" }).dropped).toEqual(["tool_choice"]);
    expect(refusal({ model: "m", input: "x", tools: [fn("a")], tool_choice: { type: "function", name: "zz" } }).param).toBe("tool_choice.name");
    expect(refusal({ model: "m", input: "x", tool_choice: "sometimes" }).param).toBe("tool_choice");
  });

  it("duplicate tool names (also after flattening) are a 400", () => {
    expect(refusal({ model: "m", input: "x", tools: [fn("a"), fn("a")] }).param).toBe("tools[1].name");
    const r = refusal({ model: "m", input: "x", tools: [fn("ns__c"), { type: "namespace", name: "ns", description: "", tools: [fn("c")] }] });
    expect(r.param).toBe("tools[1].tools[0].name");
    expect(r.message).toMatch(/flattened/);
  });
});

describe("responsesToChat: options", () => {
  it("maps text.format, max_output_tokens, reasoning, sampling, user and stream", () => {
    const { chat: c, dropped } = chat({
      input: "x",
      text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true, description: "d" }, verbosity: "low" },
      max_output_tokens: 256,
      reasoning: { effort: "high", summary: "auto" },
      temperature: 0.2,
      top_p: 0.9,
      user: "u1",
      stream: true,
    });
    expect(c).toMatchObject({
      response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true, description: "d" } },
      max_completion_tokens: 256,
      reasoning_effort: "high",
      temperature: 0.2,
      top_p: 0.9,
      user: "u1",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(dropped).toEqual(["text.verbosity"]);
    expect(chat({ input: "x", text: { format: { type: "json_object" } } }).chat.response_format).toEqual({ type: "json_object" });
    expect(chat({ input: "x", text: { format: { type: "text" } } }).chat).not.toHaveProperty("response_format");
  });

  it("reasoning effort passes through, xhigh becomes high; safety_identifier wins over user", () => {
    for (const e of ["none", "minimal", "low", "medium", "high"]) expect(chat({ input: "x", reasoning: { effort: e } }).chat.reasoning_effort).toBe(e);
    expect(chat({ input: "x", reasoning: { effort: "xhigh" } }).chat.reasoning_effort).toBe("high");
    expect(chat({ input: "x", reasoning: { effort: null } }).chat).not.toHaveProperty("reasoning_effort");
    expect(chat({ input: "x", user: "u", safety_identifier: "s" }).chat.user).toBe("s");
  });

  it("fields the route or response side reads are not sent; hints are dropped and listed; unknown fields too", () => {
    const { chat: c, dropped } = chat({
      input: "x",
      metadata: { a: "1" },
      store: false,
      previous_response_id: "resp_1",
      stream: false,
      include: ["reasoning.encrypted_content", "message.output_text.logprobs"],
      truncation: "auto",
      prompt_cache_key: "k",
      service_tier: "flex",
      max_tool_calls: 3,
      top_logprobs: 2,
      background: false,
      stream_options: { include_obfuscation: false },
      brand_new: 1,
      __proto__: { model: "evil" },
    });
    expect(c).toEqual({ model: "m", messages: [{ role: "user", content: "x" }] });
    expect(dropped).toEqual([
      "include:reasoning.encrypted_content",
      "include:message.output_text.logprobs",
      "truncation",
      "top_logprobs",
      "prompt_cache_key",
      "service_tier",
      "max_tool_calls",
      "brand_new",
    ]);
  });

  it("background, conversation and stored prompts are refused: the client would rely on them", () => {
    expect(refusal({ model: "m", input: "x", background: true })).toMatchObject({ param: "background", code: "unsupported_parameter" });
    expect(refusal({ model: "m", input: "x", conversation: "conv_1" }).param).toBe("conversation");
    expect(refusal({ model: "m", input: "x", prompt: { id: "pmpt_1" } }).param).toBe("prompt");
  });
});

describe("responsesToChat: hostile and malformed input → 400 naming the field", () => {
  const cases: Array<[string, unknown, string | null]> = [
    ["body not an object", [], null],
    ["body null", null, null],
    ["model missing", { input: "x" }, "model"],
    ["model not a string", { model: 5, input: "x" }, "model"],
    ["input missing", { model: "m" }, "input"],
    ["input a number", { model: "m", input: 5 }, "input"],
    ["input empty", { model: "m", input: [] }, "input"],
    ["item not an object", { model: "m", input: ["hi"] }, "input[0]"],
    ["item type not a string", { model: "m", input: [{ type: 3 }] }, "input[0].type"],
    ["bad role", { model: "m", input: [{ role: "root", content: "x" }] }, "input[0].role"],
    ["role a prototype name", { model: "m", input: [{ role: "constructor", content: "x" }] }, "input[0].role"],
    ["content a number", { model: "m", input: [{ role: "user", content: 1 }] }, "input[0].content"],
    ["part type unknown", { model: "m", input: [{ role: "user", content: [{ type: "input_audio" }] }] }, "input[0].content[0].type"],
    ["part text not a string", { model: "m", input: [{ role: "user", content: [{ type: "input_text", text: { a: 1 } }] }] }, "input[0].content[0].text"],
    ["deep nesting", { model: "m", input: [[[[[[[[[[{}]]]]]]]]]] }, "input[0]"],
    ["nested content arrays", { model: "m", input: [{ role: "user", content: [[[[{ type: "input_text" }]]]] }] }, "input[0].content[0]"],
    ["function_call without call_id", { model: "m", input: [{ type: "function_call", name: "f", arguments: "{}" }] }, "input[0].call_id"],
    ["function_call arguments an object", { model: "m", input: [{ type: "function_call", call_id: "c", name: "f", arguments: { a: 1 } }] }, "input[0].arguments"],
    ["output an object", { model: "m", input: [{ type: "function_call_output", call_id: "c", output: { a: 1 } }] }, "input[0].output"],
    ["tools not an array", { model: "m", input: "x", tools: {} }, "tools"],
    ["tool not an object", { model: "m", input: "x", tools: [1] }, "tools[0]"],
    ["tool without a name", { model: "m", input: "x", tools: [{ type: "function" }] }, "tools[0].name"],
    ["tool parameters a string", { model: "m", input: "x", tools: [{ type: "function", name: "f", parameters: "{}" }] }, "tools[0].parameters"],
    ["tool strict a string", { model: "m", input: "x", tools: [{ type: "function", name: "f", strict: "yes" }] }, "tools[0].strict"],
    ["namespace tools missing", { model: "m", input: "x", tools: [{ type: "namespace", name: "n" }] }, "tools[0].tools"],
    ["instructions an array", { model: "m", input: "x", instructions: ["a"] }, "instructions"],
    ["temperature a string", { model: "m", input: "x", temperature: "hot" }, "temperature"],
    ["max_output_tokens zero", { model: "m", input: "x", max_output_tokens: 0 }, "max_output_tokens"],
    ["max_output_tokens fractional", { model: "m", input: "x", max_output_tokens: 1.5 }, "max_output_tokens"],
    ["stream a string", { model: "m", input: "x", stream: "yes" }, "stream"],
    ["reasoning effort unknown", { model: "m", input: "x", reasoning: { effort: "max" } }, "reasoning.effort"],
    ["text.format type unknown", { model: "m", input: "x", text: { format: { type: "xml" } } }, "text.format.type"],
    ["json_schema without name", { model: "m", input: "x", text: { format: { type: "json_schema", schema: {} } } }, "text.format.name"],
    ["json_schema schema a string", { model: "m", input: "x", text: { format: { type: "json_schema", name: "n", schema: "{}" } } }, "text.format.schema"],
    ["include not strings", { model: "m", input: "x", include: [1] }, "include[0]"],
    ["metadata an array", { model: "m", input: "x", metadata: [] }, "metadata"],
    ["truncation unknown", { model: "m", input: "x", truncation: "middle" }, "truncation"],
    ["history item malformed", { model: "m", input: "x" }, "previous_response_id.items[0]"],
  ];
  it.each(cases)("%s", (name, body, param) => {
    const r = refusal(body, name.startsWith("history") ? ["nope"] : undefined);
    expect(r.param).toBe(param);
    expect(r.message.length).toBeGreaterThan(10);
  });

  it("prototype names as tool names, namespaces and fields stay plain data", () => {
    const body = JSON.parse(
      '{"model":"m","input":[{"role":"user","content":"x","__proto__":{"role":"system"}}],"__proto__":{"tools":[1]},"constructor":1,' +
        '"tools":[{"type":"function","name":"__proto__"},{"type":"namespace","name":"constructor","description":"","tools":[{"type":"function","name":"toString"}]}]}',
    );
    const { chat: c, namespaces, dropped } = responsesToChat(body);
    expect(c.messages).toEqual([{ role: "user", content: "x" }]);
    expect((c.tools as any[]).map((t: any) => t.function.name)).toEqual(["__proto__", "constructor__toString"]);
    expect(Object.keys(namespaces)).toEqual(["constructor__toString"]);
    expect(Object.hasOwn(namespaces, "__proto__")).toBe(false);
    expect(dropped).toEqual(["__proto__", "constructor"]);
    expect(({} as any).role).toBeUndefined();
  });
});

describe("responsesToChat: a Codex CLI request (wire_api = responses)", () => {
  const body = fixtureJson("responses/codex-request.json");

  it("translates without error; web_search and the encrypted reasoning are dropped and listed", () => {
    const { chat: c, dropped, namespaces } = responsesToChat(body);
    expect(dropped).toEqual(["input:reasoning.encrypted_content", "tools:web_search", "text.verbosity", "include:reasoning.encrypted_content", "prompt_cache_key"]);
    expect(c).toMatchObject({ model: "gpt-5.1-codex", tool_choice: "auto", parallel_tool_calls: true, reasoning_effort: "medium", stream: true, stream_options: { include_usage: true } });
    expect((c.tools as any[]).map((t: any) => t.function.name)).toEqual(["shell_command", "update_plan", "apply_patch", "view_image", "mcp__github__get_issue", "mcp__github__create_pull_request"]);
    expect(namespaces.mcp__github__get_issue).toEqual({ namespace: "mcp__github__", name: "get_issue" });
    expect(c.messages.map((m) => m.role)).toEqual(["system", "system", "user", "user", "user", "assistant", "tool", "assistant", "tool", "tool", "assistant", "tool", "assistant", "user"]);
    expect(c.messages[0]!.content).toBe(body.instructions);
  });

  it("every tool call is answered by a tool message right after its assistant turn", () => {
    const { chat: c } = responsesToChat(body);
    c.messages.forEach((m, i) => {
      const ids = (m.tool_calls ?? []).map((t) => t.id);
      const answers = c.messages.slice(i + 1, i + 1 + ids.length).map((t) => (t.role === "tool" ? t.tool_call_id : null));
      expect(answers).toEqual(ids);
    });
    expect(c.messages[5]).toMatchObject({ reasoning_content: expect.stringContaining("Locating the add function") });
    expect(c.messages[7]).toMatchObject({ content: expect.stringContaining("subtracts"), tool_calls: [{ function: { name: "update_plan" } }, { function: { name: "apply_patch" } }] });
    expect(c.messages[10]).toMatchObject({ reasoning_content: "**Running the tests**", tool_calls: [{ function: { name: "mcp__github__get_issue" } }] });
  });
});

describe("responsesToChat: the dropped list stays small", () => {
  it("labels are cut to 80 characters, the list to 50 labels and an ellipsis", () => {
    const body: Record<string, unknown> = { model: "m", input: [{ type: "x".repeat(500) }, { role: "user", content: "q" }] };
    for (let i = 0; i < 200; i++) body[`field_${i}`] = i;
    const { dropped } = responsesToChat(body);
    expect(dropped).toHaveLength(51);
    expect(dropped[0]).toBe(`input:${"x".repeat(74)}`);
    expect(dropped.at(-1)).toBe("…");
  });
});
