import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { upstreamError } from "../../../../core/errors.js";
import { ChatToMessagesStream } from "../../../../core/formats/anthropic/chat-stream.js";
import { chatToMessage } from "../../../../core/formats/anthropic/from-chat.js";
import { messagesToChat } from "../../../../core/formats/anthropic/to-chat.js";
import { SSEDecoder } from "../../../../core/formats/sse.js";
import type { ChatChunk, ChatCompletion } from "../../../../core/types.js";
import { fixtureBytes, fixtureJson } from "../../../helpers/fixtures.js";
import { accumulate, parseEvents } from "./anthropic-events.js";

/** The OpenAI chunks of a recorded stream. */
function chunksOf(name: string): ChatChunk[] {
  const d = new SSEDecoder();
  return [...d.push(fixtureBytes(name)), ...d.flush()].filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
}

/** A response whose body arrives 5 bytes at a time, as a network might cut it. */
function sseResponse(text: string): Response {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, (at += 5)));
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** An SDK client whose every request goes through messagesToChat, answered by `answer` from the translated chat request. */
function gateway(answer: (chat: ReturnType<typeof messagesToChat>["chat"], model: string) => Response) {
  const seen: unknown[] = [];
  const client = new Anthropic({
    apiKey: "sk-test",
    baseURL: "http://gateway.test",
    maxRetries: 0,
    fetch: async (_url, init) => {
      const body = JSON.parse(String(init?.body));
      seen.push(body);
      const { chat } = messagesToChat(body);
      return answer(chat, body.model);
    },
  });
  return { client, seen };
}

const streamOf = (name: string, model: string, end = (t: ChatToMessagesStream) => t.end()) => {
  const t = new ChatToMessagesStream(model);
  return sseResponse(chunksOf(name).map((c) => t.push(c)).join("") + end(t));
};

const weatherTool = { name: "get_weather", description: "Weather for a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] } };

describe("@anthropic-ai/sdk against the translators", () => {
  it("messages.stream().finalMessage() assembles the translated text stream", async () => {
    const { client, seen } = gateway((chat, model) => {
      expect(chat).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_completion_tokens: 256 });
      return streamOf("openai/chat-stream.sse", model);
    });
    const stream = client.messages.stream({ model: "fast", max_tokens: 256, system: "Be kind.", messages: [{ role: "user", content: "Hello" }] });
    const texts: string[] = [];
    stream.on("text", (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(seen).toHaveLength(1);
    expect(texts.join("")).toBe("Hello! How can I help you today?");
    expect(final).toMatchObject({
      id: "msg_CZk1YQ2cA3o8dYt5WmLbK1nP0sFqE",
      type: "message",
      role: "assistant",
      model: "fast",
      content: [{ type: "text", text: "Hello! How can I help you today?" }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 19, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });

  it("tool calls: the SDK's final message holds parsed tool_use inputs, equal to the events' own assembly", async () => {
    const { client } = gateway((chat, model) => {
      expect(chat.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: weatherTool.input_schema } }]);
      expect(chat).toMatchObject({ tool_choice: "auto", parallel_tool_calls: false });
      return streamOf("openai/chat-tools-stream.sse", model);
    });
    const final = await client.messages
      .stream({ model: "gpt-4o-mini", max_tokens: 256, tools: [weatherTool], tool_choice: { type: "auto", disable_parallel_tool_use: true }, messages: [{ role: "user", content: "Paris and Tokyo?" }] })
      .finalMessage();
    expect(final.content).toEqual([
      { type: "tool_use", id: "call_8Yb1pX2qH0cQ3fWm7Zk9sA1d", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_Jt4nV6rE2yU8iO0pL3kS5dF7", name: "get_weather", input: { city: "Tokyo" } },
    ]);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage).toMatchObject({ input_tokens: 81, output_tokens: 46 });
    const t = new ChatToMessagesStream("gpt-4o-mini");
    const ours = accumulate(parseEvents(chunksOf("openai/chat-tools-stream.sse").map((c) => t.push(c)).join("") + t.end()));
    expect(JSON.parse(JSON.stringify(final))).toMatchObject(ours);
  });

  it("messages.create({stream: true}) yields the events in order", async () => {
    const { client } = gateway((_chat, model) => streamOf("openai/chat-stream.sse", model));
    const types: string[] = [];
    for await (const ev of await client.messages.create({ model: "fast", max_tokens: 10, stream: true, messages: [{ role: "user", content: "hi" }] })) types.push(ev.type);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-2)).toEqual(["message_delta", "message_stop"]);
  });

  it("a follow-up turn with the tool results goes through messagesToChat as the SDK sends it", async () => {
    const { client, seen } = gateway((chat, model) => {
      if (chat.messages.length === 1) return streamOf("openai/chat-tools-stream.sse", model);
      expect(chat.messages).toEqual([
        { role: "user", content: "Paris and Tokyo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_8Yb1pX2qH0cQ3fWm7Zk9sA1d", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_Jt4nV6rE2yU8iO0pL3kS5dF7", type: "function", function: { name: "get_weather", arguments: '{"city":"Tokyo"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_8Yb1pX2qH0cQ3fWm7Zk9sA1d", content: "sunny" },
        { role: "tool", tool_call_id: "call_Jt4nV6rE2yU8iO0pL3kS5dF7", content: "sunny" },
      ]);
      return streamOf("openai/chat-stream.sse", model);
    });
    const question = { role: "user" as const, content: "Paris and Tokyo?" };
    const first = await client.messages.stream({ model: "m", max_tokens: 256, tools: [weatherTool], messages: [question] }).finalMessage();
    const calls = first.content.filter((b) => b.type === "tool_use");
    const second = await client.messages
      .stream({
        model: "m",
        max_tokens: 256,
        tools: [weatherTool],
        messages: [question, { role: "assistant", content: first.content }, { role: "user", content: calls.map((c) => ({ type: "tool_result" as const, tool_use_id: c.id, content: "sunny" })) }],
      })
      .finalMessage();
    expect(seen).toHaveLength(2);
    expect(second.content).toEqual([{ type: "text", text: "Hello! How can I help you today?" }]);
  });

  it("messages.create() without streaming takes chatToMessage's JSON as a Message", async () => {
    const completion = fixtureJson<ChatCompletion>("openai/chat-tools.json");
    const { client } = gateway((_chat, model) => Response.json(chatToMessage(completion, model)));
    const m = await client.messages.create({ model: "gpt-4o-mini", max_tokens: 100, tools: [weatherTool], messages: [{ role: "user", content: "weather?" }] });
    expect(m).toEqual(chatToMessage(completion, "gpt-4o-mini"));
    expect(m.stop_reason).toBe("tool_use");
    expect(m.content.every((b) => b.type === "tool_use")).toBe(true);
  });

  it("a mid-stream error event makes the SDK throw an APIError of that type", async () => {
    const { client } = gateway((_chat, model) =>
      streamOf("openai/chat-stream.sse", model, (t) => t.error(upstreamError(503, "The upstream is overloaded; retry in a moment."))),
    );
    const err = await client.messages
      .stream({ model: "fast", max_tokens: 10, messages: [{ role: "user", content: "hi" }] })
      .finalMessage()
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.error).toEqual({ type: "error", error: { type: "overloaded_error", message: "The upstream is overloaded; retry in a moment." } });
  });
});
