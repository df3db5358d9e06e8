import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../../core/errors.js";
import { messagesToChat } from "../../../../core/formats/anthropic/to-chat.js";
import { fixtureJson } from "../../../helpers/fixtures.js";

const base = { model: "gpt-4o", max_tokens: 100 };
const req = (extra: object) => ({ ...base, messages: [{ role: "user", content: "hi" }], ...extra });
const chat = (body: unknown, options?: { keepReasoning?: boolean }) => messagesToChat(body, options).chat;

/** The 400 a body gets: its param and message. */
function refusal(body: unknown): GatewayError {
  try {
    messagesToChat(body);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    expect((e as GatewayError).status).toBe(400);
    return e as GatewayError;
  }
  throw new Error("expected a 400");
}

describe("messagesToChat: fields", () => {
  it("maps the sampling and limit fields", () => {
    const out = chat(req({ temperature: 0.2, top_p: 0.9, top_k: 40, stop_sequences: ["END", "STOP"], metadata: { user_id: "u-1" }, stream: true }));
    expect(out).toEqual({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      max_completion_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop: ["END", "STOP"],
      user: "u-1",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("sends no stream fields for stream:false and no stop for an empty list", () => {
    const out = chat(req({ stream: false, stop_sequences: [] }));
    expect(out).not.toHaveProperty("stream");
    expect(out).not.toHaveProperty("stream_options");
    expect(out).not.toHaveProperty("stop");
  });

  it("drops and lists Anthropic-only and unknown top-level fields, never refusing them", () => {
    const { chat: out, dropped } = messagesToChat(
      req({
        context_management: { edits: [] },
        container: "c1",
        mcp_servers: [{ type: "url", url: "https://x" }],
        service_tier: "auto",
        cache_control: { type: "ephemeral" },
        inference_geo: "us",
        speed: "fast",
        some_field_from_2027: { a: 1 },
        metadata: { user_id: "u", other: 1 },
        output_config: { task_budget: 5, effort: "low" },
      }),
    );
    expect(dropped.sort()).toEqual(
      ["cache_control", "container", "context_management", "inference_geo", "mcp_servers", "metadata.other", "output_config.effort", "output_config.task_budget", "service_tier", "some_field_from_2027", "speed"].sort(),
    );
    expect(Object.keys(out).sort()).toEqual(["max_completion_tokens", "messages", "model", "user"]);
  });

  it("system string and text blocks become one system message, cache_control dropped", () => {
    const { chat: out, dropped } = messagesToChat(
      req({ system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }, { type: "text", text: "Answer in French." }] }),
    );
    expect(out.messages[0]).toEqual({ role: "system", content: "You are terse.\n\nAnswer in French." });
    expect(dropped).toEqual(["system[].cache_control"]);
    expect(chat(req({ system: "Be brief." })).messages[0]).toEqual({ role: "system", content: "Be brief." });
    expect(chat(req({ system: "" })).messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it("role system messages inside messages stay system messages, in place", () => {
    const out = chat({
      ...base,
      messages: [
        { role: "system", content: [{ type: "text", text: "Rule one." }, { type: "text", text: "Rule two." }] },
        { role: "user", content: "hi" },
        { role: "system", content: "Now be formal." },
        { role: "user", content: "again" },
      ],
    });
    expect(out.messages).toEqual([
      { role: "system", content: "Rule one.\n\nRule two." },
      { role: "user", content: "hi" },
      { role: "system", content: "Now be formal." },
      { role: "user", content: "again" },
    ]);
  });
});

describe("messagesToChat: thinking and effort", () => {
  it.each([
    [1024, "low"],
    [4095, "low"],
    [4096, "medium"],
    [16383, "medium"],
    [16384, "high"],
    [31999, "high"],
  ])("budget_tokens %i → reasoning_effort %s", (budget, effort) => {
    expect(chat(req({ thinking: { type: "enabled", budget_tokens: budget } })).reasoning_effort).toBe(effort);
  });

  it("adaptive (or no) thinking is left to the model, its effort dropped; with thinking enabled, effort wins over a budget", () => {
    expect(chat(req({ thinking: { type: "adaptive" } }))).not.toHaveProperty("reasoning_effort");
    const adaptive = messagesToChat(req({ thinking: { type: "adaptive" }, output_config: { effort: "low" } }));
    expect(adaptive.chat).not.toHaveProperty("reasoning_effort");
    expect(adaptive.dropped).toContain("output_config.effort");
    expect(chat(req({ output_config: { effort: "high" } }))).not.toHaveProperty("reasoning_effort");
    expect(chat(req({ thinking: { type: "enabled", budget_tokens: 20000 }, output_config: { effort: "medium" } })).reasoning_effort).toBe("medium");
    expect(chat(req({ thinking: { type: "enabled", budget_tokens: 2000 }, output_config: { effort: "max" } })).reasoning_effort).toBe("high");
    expect(chat(req({ thinking: { type: "enabled", budget_tokens: 2000 }, output_config: { effort: "xhigh" } })).reasoning_effort).toBe("high");
  });

  it("disabled thinking sends no effort; unknown thinking types and efforts are dropped", () => {
    const { chat: out, dropped } = messagesToChat(req({ thinking: { type: "disabled" }, output_config: { effort: "high" } }));
    expect(out).not.toHaveProperty("reasoning_effort");
    expect(dropped).toEqual(["output_config.effort"]);
    expect(messagesToChat(req({ thinking: { type: "between_tools" } })).dropped).toEqual(["thinking"]);
    expect(messagesToChat(req({ output_config: { effort: "constructor" } })).dropped).toEqual(["output_config.effort"]);
  });

  it("refuses enabled thinking without a budget", () => {
    expect(refusal(req({ thinking: { type: "enabled" } })).param).toBe("thinking.budget_tokens");
  });

  it("output_config.format and output_format json_schema → response_format", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const expected = { type: "json_schema", json_schema: { name: "response", schema } };
    expect(chat(req({ output_config: { format: { type: "json_schema", schema } } })).response_format).toEqual(expected);
    expect(chat(req({ output_format: { type: "json_schema", schema } })).response_format).toEqual(expected);
    expect(refusal(req({ output_config: { format: { type: "xml" } } })).param).toBe("output_config.format.type");
  });
});

describe("messagesToChat: content blocks", () => {
  const user = (content: unknown[]) => chat({ ...base, messages: [{ role: "user", content }] }).messages;

  it("a single plain text block becomes a string; several blocks, or cache_control, stay parts", () => {
    expect(user([{ type: "text", text: "hi" }])).toEqual([{ role: "user", content: "hi" }]);
    expect(user([{ type: "text", text: "hi", cache_control: { type: "ephemeral", ttl: "1h" } }])).toEqual([
      { role: "user", content: [{ type: "text", text: "hi", cache_control: { type: "ephemeral", ttl: "1h" } }] },
    ]);
  });

  it("images: base64 → data: URL, url → URL; Files API ids refused", () => {
    expect(
      user([
        { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
        { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" }, cache_control: { type: "ephemeral" } },
        { type: "text", text: "What are these?" },
      ]),
    ).toEqual([
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://example.com/cat.jpg" }, cache_control: { type: "ephemeral" } },
          { type: "text", text: "What are these?" },
        ],
      },
    ]);
    const e = refusal({ ...base, messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "file_1" } }] }] });
    expect(e.param).toBe("messages[0].content[0].source");
    expect(e.message).toMatch(/inline/);
  });

  it("documents: PDF → file part, text and content sources → text; URL and other media refused", () => {
    expect(
      user([
        { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0x" }, title: "Q3 report" },
        { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0y" } },
        { type: "document", source: { type: "text", media_type: "text/plain", data: "plain words" } },
        { type: "document", source: { type: "content", content: [{ type: "text", text: "chunk" }] } },
      ]),
    ).toEqual([
      {
        role: "user",
        content: [
          { type: "file", file: { filename: "Q3 report.pdf", file_data: "data:application/pdf;base64,JVBERi0x" } },
          { type: "file", file: { filename: "document.pdf", file_data: "data:application/pdf;base64,JVBERi0y" } },
          { type: "text", text: "plain words" },
          { type: "text", text: "chunk" },
        ],
      },
    ]);
    const doc = (source: object) => refusal({ ...base, messages: [{ role: "user", content: [{ type: "document", source }] }] });
    expect(doc({ type: "url", url: "https://x/a.pdf" }).message).toMatch(/base64/);
    expect(doc({ type: "base64", media_type: "text/html", data: "x" }).param).toBe("messages[0].content[0].source.media_type");
  });

  it("tool_use → tool_calls with JSON arguments; tool_result → tool messages before the turn's other content", () => {
    const out = chat({
      ...base,
      messages: [
        { role: "user", content: "weather in Paris and Tokyo?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Tokyo" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "18°C" },
            { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "rain" }, { type: "text", text: "12°C" }] },
            { type: "text", text: "Which is warmer?" },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      { role: "user", content: "weather in Paris and Tokyo?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
        ],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "18°C" },
      { role: "tool", tool_call_id: "toolu_2", content: "rain\n12°C" },
      { role: "user", content: "Which is warmer?" },
    ]);
  });

  it("a tool_use alone has null content; missing input is {}; is_error is noted; images in results follow as user content", () => {
    const out = chat({
      ...base,
      messages: [
        { role: "user", content: "shot" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "screenshot" }] },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "t1",
              content: [
                { type: "text", text: "captured" },
                { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
              ],
            },
          ],
        },
        { role: "assistant", content: [{ type: "tool_use", id: "t2", name: "screenshot", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t2", is_error: true, content: "display not found" }] },
      ],
    });
    expect(out.messages.slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "screenshot", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "t1", content: "captured" },
      {
        role: "user",
        content: [
          { type: "text", text: "Attachments returned by tool call t1:" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        ],
      },
      { role: "assistant", content: null, tool_calls: [{ id: "t2", type: "function", function: { name: "screenshot", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "t2", content: "Error: display not found" },
    ]);
  });

  it("thinking is dropped by default and kept as reasoning_content on request; redacted thinking always dropped", () => {
    const body = {
      ...base,
      messages: [
        { role: "user", content: "q" },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Let me think.", signature: "sig" },
            { type: "redacted_thinking", data: "opaque" },
            { type: "text", text: "Answer." },
          ],
        },
      ],
    };
    const dropped = messagesToChat(body);
    expect(dropped.chat.messages[1]).toEqual({ role: "assistant", content: "Answer." });
    expect(dropped.dropped.sort()).toEqual(["messages[].content[redacted_thinking]", "messages[].content[thinking]"]);
    expect(chat(body, { keepReasoning: true }).messages[1]).toEqual({ role: "assistant", content: "Answer.", reasoning_content: "Let me think." });
  });

  it("blocks from Anthropic's server tools (a conversation moved off Claude) are dropped, not refused", () => {
    const { chat: out, dropped } = messagesToChat({
      ...base,
      messages: [
        { role: "user", content: "news?" },
        {
          role: "assistant",
          content: [
            { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "news" } },
            { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] },
            { type: "text", text: "Here is the news." },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "x", content: [{ type: "tool_reference", tool_name: "Read" }] }, { type: "text", text: "ok" }] },
      ],
    });
    expect(out.messages[1]).toEqual({ role: "assistant", content: "Here is the news." });
    expect(out.messages[2]).toEqual({ role: "tool", tool_call_id: "x", content: "" });
    expect(dropped.sort()).toEqual(["messages[].content[server_tool_use]", "messages[].content[tool_reference]", "messages[].content[web_search_tool_result]"]);
  });

  it("consecutive same-role turns stay as they are", () => {
    const out = chat({
      ...base,
      messages: [
        { role: "user", content: "a" },
        { role: "user", content: "b" },
        { role: "assistant", content: "c" },
        { role: "assistant", content: [{ type: "text", text: "d" }] },
      ],
    });
    expect(out.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "a"],
      ["user", "b"],
      ["assistant", "c"],
      ["assistant", "d"],
    ]);
  });
});

describe("messagesToChat: tools", () => {
  const weather = { name: "get_weather", description: "Weather for a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
  const fn = { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: weather.input_schema } };

  it("custom tools → function tools; server tools dropped by name; extra tool fields dropped", () => {
    const { chat: out, dropped } = messagesToChat(
      req({
        tools: [
          weather,
          { ...weather, name: "lazy", type: "custom", defer_loading: true, cache_control: { type: "ephemeral" }, strict: true, input_examples: [{}] },
          { type: "web_search_20250305", name: "web_search", max_uses: 3 },
          { type: "bash_20250124", name: "bash" },
          { type: "text_editor_20250728", name: "str_replace_based_edit_tool" },
          { type: "code_execution_20250825", name: "code_execution" },
          { type: "mcp_toolset", mcp_server_name: "gh" },
        ],
      }),
    );
    expect(out.tools).toEqual([fn, { type: "function", function: { ...fn.function, name: "lazy" } }]);
    expect(dropped.sort()).toEqual(
      [
        "tools[].cache_control",
        "tools[].defer_loading",
        "tools[].input_examples",
        "tools[].strict",
        "tools[bash]",
        "tools[code_execution]",
        "tools[mcp_toolset]",
        "tools[str_replace_based_edit_tool]",
        "tools[web_search]",
      ].sort(),
    );
  });

  it("tool_choice auto/any/none/tool and disable_parallel_tool_use", () => {
    const withTools = (tool_choice: object) => chat(req({ tools: [weather], tool_choice }));
    expect(withTools({ type: "auto" })).toMatchObject({ tool_choice: "auto" });
    expect(withTools({ type: "any" })).toMatchObject({ tool_choice: "required" });
    expect(withTools({ type: "none" })).toMatchObject({ tool_choice: "none" });
    expect(withTools({ type: "tool", name: "get_weather" })).toMatchObject({ tool_choice: { type: "function", function: { name: "get_weather" } } });
    expect(withTools({ type: "auto", disable_parallel_tool_use: true })).toMatchObject({ tool_choice: "auto", parallel_tool_calls: false });
    expect(withTools({ type: "none", disable_parallel_tool_use: true })).not.toHaveProperty("parallel_tool_calls");
  });

  it("without tools left, tool_choice is not sent; naming a dropped or absent tool is refused", () => {
    const { chat: out, dropped } = messagesToChat(req({ tools: [{ type: "web_search_20250305", name: "web_search" }], tool_choice: { type: "any" } }));
    expect(out).not.toHaveProperty("tools");
    expect(out).not.toHaveProperty("tool_choice");
    expect(dropped).toEqual(["tools[web_search]", "tool_choice"]);
    const e = refusal(req({ tools: [{ type: "web_search_20250305", name: "web_search" }], tool_choice: { type: "tool", name: "web_search" } }));
    expect(e.param).toBe("tool_choice.name");
    expect(e.message).toMatch(/Anthropic's own tools/);
    expect(refusal(req({ tools: [weather], tool_choice: { type: "tool", name: "nope" } })).message).toMatch(/not one of the tools/);
  });
});

describe("messagesToChat: refusals name the field", () => {
  it.each<[string, unknown, string | null]>([
    ["a non-object body", [1, 2], null],
    ["no model", { max_tokens: 1, messages: [{ role: "user", content: "x" }] }, "model"],
    ["an empty model", { ...base, model: "", messages: [{ role: "user", content: "x" }] }, "model"],
    ["no max_tokens", { model: "m", messages: [{ role: "user", content: "x" }] }, "max_tokens"],
    ["max_tokens 0", { model: "m", max_tokens: 0, messages: [{ role: "user", content: "x" }] }, "max_tokens"],
    ["no messages", { ...base }, "messages"],
    ["empty messages", { ...base, messages: [] }, "messages"],
    ["messages not an array", { ...base, messages: { role: "user" } }, "messages"],
    ["a bad role", { ...base, messages: [{ role: "tool", content: "x" }] }, "messages[0].role"],
    ["missing content", { ...base, messages: [{ role: "user" }] }, "messages[0].content"],
    ["numeric content", { ...base, messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
    ["a block without type", { ...base, messages: [{ role: "user", content: [{ text: "x" }] }] }, "messages[0].content[0].type"],
    ["a block that is a string", { ...base, messages: [{ role: "user", content: ["x"] }] }, "messages[0].content[0]"],
    ["an unknown block type", { ...base, messages: [{ role: "user", content: [{ type: "hologram" }] }] }, "messages[0].content[0].type"],
    ["text without text", { ...base, messages: [{ role: "user", content: [{ type: "text" }] }] }, "messages[0].content[0].text"],
    ["tool_use in a user turn", { ...base, messages: [{ role: "user", content: [{ type: "tool_use", id: "a", name: "b", input: {} }] }] }, "messages[0].content[0].type"],
    ["tool_result in an assistant turn", { ...base, messages: [{ role: "user", content: "x" }, { role: "assistant", content: [{ type: "tool_result", tool_use_id: "a" }] }] }, "messages[1].content[0].type"],
    ["tool_use without id", { ...base, messages: [{ role: "user", content: "x" }, { role: "assistant", content: [{ type: "tool_use", name: "b", input: {} }] }] }, "messages[1].content[0].id"],
    ["tool_use input not an object", { ...base, messages: [{ role: "user", content: "x" }, { role: "assistant", content: [{ type: "tool_use", id: "a", name: "b", input: "{}" }] }] }, "messages[1].content[0].input"],
    ["tool_result without tool_use_id", { ...base, messages: [{ role: "user", content: [{ type: "tool_result", content: "x" }] }] }, "messages[0].content[0].tool_use_id"],
    ["image without source", { ...base, messages: [{ role: "user", content: [{ type: "image" }] }] }, "messages[0].content[0].source"],
    ["image base64 without data", { ...base, messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png" } }] }] }, "messages[0].content[0].source.data"],
    ["a system block that is an image", { ...base, system: [{ type: "image" }], messages: [{ role: "user", content: "x" }] }, "system[0].type"],
    ["system a number", { ...base, system: 3, messages: [{ role: "user", content: "x" }] }, "system"],
    ["a tool without input_schema", req({ tools: [{ name: "x" }] }), "tools[0].input_schema"],
    ["a tool without name", req({ tools: [{ input_schema: { type: "object" } }] }), "tools[0].name"],
    ["tools not an array", req({ tools: { name: "x" } }), "tools"],
    ["a bad tool_choice", req({ tool_choice: { type: "sometimes" } }), "tool_choice.type"],
    ["temperature a string", req({ temperature: "hot" }), "temperature"],
    ["stop_sequences with a number", req({ stop_sequences: ["a", 1] }), "stop_sequences[1]"],
    ["stream a string", req({ stream: "yes" }), "stream"],
    ["metadata.user_id a number", req({ metadata: { user_id: 7 } }), "metadata.user_id"],
    ["only empty messages", { ...base, messages: [{ role: "user", content: [] }] }, "messages"],
  ])("%s", (_, body, param) => {
    const e = refusal(body);
    expect(e.param).toBe(param);
    if (param) expect(e.message).toContain(param);
  });
});

describe("messagesToChat: hostile input", () => {
  it("prototype names as tool names, fields and block types neither crash nor leak", () => {
    const body = JSON.parse(`{
      "model": "m", "max_tokens": 5, "__proto__": {"polluted": true}, "constructor": {"x": 1},
      "metadata": {"user_id": "u", "__proto__": {"polluted": true}},
      "tools": [
        {"name": "__proto__", "input_schema": {"type": "object", "properties": {"__proto__": {"type": "string"}}}},
        {"name": "constructor", "input_schema": {"type": "object"}, "__proto__": 1},
        {"type": "hasOwnProperty", "name": "toString"}
      ],
      "tool_choice": {"type": "tool", "name": "constructor"},
      "output_config": {"effort": "toString"},
      "messages": [
        {"role": "user", "content": [{"type": "text", "text": "hi", "__proto__": {"polluted": true}}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "name": "__proto__", "input": {"__proto__": {"polluted": true}}}]}
      ]
    }`);
    const { chat: out, dropped } = messagesToChat(body);
    expect(({} as any).polluted).toBeUndefined();
    expect(out.tools).toHaveLength(2);
    expect((out.tools as any[]).map((t) => t.function.name)).toEqual(["__proto__", "constructor"]);
    expect(out.tool_choice).toEqual({ type: "function", function: { name: "constructor" } });
    expect(out).not.toHaveProperty("reasoning_effort");
    expect(dropped).toEqual(expect.arrayContaining(["__proto__", "constructor", "metadata.__proto__", "tools[].__proto__", "tools[toString]", "output_config.effort"]));
    expect((out.messages[1] as any).tool_calls[0].function.arguments).toBe('{"__proto__":{"polluted":true}}');
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    const proto = refusal(JSON.parse('{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"__proto__"}]}]}'));
    expect(proto.param).toBe("messages[0].content[0].type");
    expect(refusal(JSON.parse('{"model":"m","max_tokens":1,"messages":[{"role":"constructor","content":"x"}]}')).param).toBe("messages[0].role");
  });

  it("passes deeply nested tool schemas through by reference, without walking them", () => {
    let schema: any = { type: "string" };
    for (let i = 0; i < 50_000; i++) schema = { type: "object", properties: { x: schema } };
    const out = chat(req({ tools: [{ name: "deep", input_schema: schema }] }));
    expect((out.tools as any[])[0].function.parameters).toBe(schema);
  });

  it("keeps long client strings out of error messages and the dropped list", () => {
    const long = "x".repeat(10_000);
    expect(refusal({ ...base, messages: [{ role: "user", content: [{ type: long }] }] }).message.length).toBeLessThan(300);
    expect(messagesToChat(req({ [long]: 1 })).dropped[0]!.length).toBeLessThan(70);
  });

  it("handles a very long conversation", () => {
    const messages = Array.from({ length: 200_000 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `m${i}` }));
    expect(chat({ ...base, messages }).messages).toHaveLength(200_000);
  });
});

describe("messagesToChat: Claude Code requests", () => {
  it("Claude Code 2.x (system blocks with cache_control, a dozen tools, deferred MCP tools, a server tool, thinking, context_management)", () => {
    const body = fixtureJson("anthropic-inbound/claude-code.json");
    const { chat: out, dropped } = messagesToChat(body);
    expect(dropped.sort()).toEqual(
      [
        "context_management",
        "messages[].content[thinking]",
        "system[].cache_control",
        "tools[].cache_control",
        "tools[].defer_loading",
        "tools[tool_search_tool_regex]",
        "tools[web_search]",
      ].sort(),
    );
    expect(out).toMatchObject({
      model: "claude-sonnet-4-5-20250929",
      max_completion_tokens: 32000,
      temperature: 1,
      reasoning_effort: "high",
      stream: true,
      stream_options: { include_usage: true },
      user: body.metadata.user_id,
    });
    const names = (out.tools as any[]).map((t) => t.function.name);
    expect(names).toHaveLength(14);
    expect(names).toContain("mcp__github__create_issue");
    expect(names).not.toContain("web_search");
    expect(out.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "user"]);
    expect(out.messages[0]!.content).toMatch(/^You are Claude Code, Anthropic's official CLI for Claude\.\n\n\nYou are an interactive CLI tool/);
    expect(out.messages[2]).toEqual({
      role: "assistant",
      content: "I'll read the test file.",
      tool_calls: [{ id: "toolu_01QyfMBt4hgAeiBzRBd7vcnP", type: "function", function: { name: "Read", arguments: '{"file_path":"/home/dev/calc/src/add.test.ts"}' } }],
    });
    expect(out.messages[4]!.content).toEqual([{ type: "text", text: expect.stringContaining("TodoWrite"), cache_control: { type: "ephemeral" } }]);
  });

  it("the variant for an unknown model: a role system message and output_config.effort", () => {
    const { chat: out, dropped } = messagesToChat(fixtureJson("anthropic-inbound/claude-code-system-role.json"));
    expect(dropped.sort()).toEqual(["context_management", "diagnostics", "messages[].content[thinking]", "output_config.effort"]);
    expect(out).not.toHaveProperty("reasoning_effort");
    expect(out.messages[0]).toEqual({ role: "system", content: "You are Claude Code, Anthropic's official CLI for Claude.\n\nYou are an interactive CLI tool that helps users with software engineering tasks." });
    expect(out.tools).toHaveLength(12);
  });
});
