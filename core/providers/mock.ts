import type { HttpClient, UpstreamResponse } from "../http.js";
import type { Cancel } from "../cancel.js";
import type { ChatMessage } from "../types.js";
import { openAICompatibleProvider } from "./openai-compatible.js";
import type { Provider } from "./types.js";

/**
 * A deterministic OpenAI-compatible upstream that lives inside the gateway, for demos and tests.
 * It answers "You said: <last user message>", word by word when streaming. The model name steers it:
 *   mock/echo            the answer above (any other name behaves the same)
 *   mock/error-<status>  fails with that HTTP status
 *   mock/slow-<ms>       waits <ms> before the answer and between streamed words
 *   mock/cut-<n>         streams n words, then the connection drops
 *   mock/tool            calls the request's first tool with {"echo": "<last user message>"}
 *   mock/judge           answers like Llama Guard: "unsafe\nS1" when the last user message
 *                        contains "UNSAFE" (case-sensitive), else "safe"
 *   mock/judge-slow-<ms> the same, after waiting <ms>
 * Usage counts words, so it is the same on every run.
 */
const encoder = new TextEncoder();
const CREATED = 1_700_000_000;

export const mockProvider: Provider = {
  ...openAICompatibleProvider("mock", { baseUrl: "http://mock.invalid/v1", keyEnv: [], streamUsage: true, completions: true, embeddings: true }, false),
  models: ["echo", "tool", "judge", "slow-200", "error-500", "cut-3"],
  http: mockUpstream(),
};

function mockUpstream(): HttpClient {
  return async (req) => {
    const path = new URL(req.url).pathname;
    const body = JSON.parse(typeof req.body === "string" ? req.body : new TextDecoder().decode(req.body));
    const model = String(body.model ?? "echo");
    const status = /^error-(\d{3})$/.exec(model)?.[1];
    const delayMs = Number(/^(?:judge-)?slow-(\d+)$/.exec(model)?.[1] ?? 0);
    const cutAfter = /^cut-(\d+)$/.exec(model)?.[1];
    if (delayMs) await sleep(delayMs, req.cancel);
    if (status) return json(Number(status), { error: { message: `mock failure ${status}`, type: "mock_error", code: null, param: null } });

    if (path.endsWith("/embeddings")) return json(200, embeddings(body));
    if (path.endsWith("/completions") && !path.endsWith("/chat/completions")) {
      const answer = completion(body);
      if (!body.stream) return json(200, answer);
      return sse(completionChunks(answer, body.stream_options?.include_usage === true));
    }

    const said = lastUserText(body.messages ?? []);
    const reply = /^judge(-slow-\d+)?$/.test(model) ? (said.includes("UNSAFE") ? "unsafe\nS1" : "safe") : `You said: ${said}`;
    const toolCall = model === "tool" && body.tools?.length ? toolCallFor(body.tools[0], reply) : undefined;
    const usage = usageOf(body.messages ?? [], reply);
    if (!body.stream) return json(200, chatCompletion(model, reply, toolCall, usage));
    return sse(streamChunks(model, reply, toolCall, usage, body.stream_options?.include_usage === true, delayMs, cutAfter ? Number(cutAfter) : undefined, req.cancel));
  };
}

function lastUserText(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((m) => m.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  if (Array.isArray(last.content)) return last.content.filter((p: any) => p?.type === "text").map((p: any) => p.text).join(" ");
  return "";
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function usageOf(messages: ChatMessage[], reply: string) {
  const prompt = messages.reduce((n, m) => n + words(typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "")), 0);
  const completion = words(reply);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: 0 } };
}

function toolCallFor(tool: any, reply: string) {
  return { id: "call_mock_0", type: "function" as const, function: { name: String(tool?.function?.name ?? "tool"), arguments: JSON.stringify({ echo: reply.slice("You said: ".length) }) } };
}

function chatCompletion(model: string, reply: string, toolCall: ReturnType<typeof toolCallFor> | undefined, usage: object) {
  return {
    id: "chatcmpl-mock",
    object: "chat.completion",
    created: CREATED,
    model,
    choices: [
      {
        index: 0,
        message: toolCall ? { role: "assistant", content: null, tool_calls: [toolCall] } : { role: "assistant", content: reply },
        finish_reason: toolCall ? "tool_calls" : "stop",
        logprobs: null,
      },
    ],
    usage,
  };
}

async function* streamChunks(model: string, reply: string, toolCall: ReturnType<typeof toolCallFor> | undefined, usage: object, includeUsage: boolean, delayMs: number, cutAfter: number | undefined, cancel?: Cancel) {
  const chunk = (delta: object, finish: string | null = null) =>
    ({ id: "chatcmpl-mock", object: "chat.completion.chunk", created: CREATED, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
  yield chunk({ role: "assistant", content: "" });
  if (toolCall) {
    yield chunk({ tool_calls: [{ index: 0, id: toolCall.id, type: "function", function: { name: toolCall.function.name, arguments: "" } }] });
    yield chunk({ tool_calls: [{ index: 0, function: { arguments: toolCall.function.arguments } }] });
    yield chunk({}, "tool_calls");
  } else {
    const parts = reply.split(/(?<= )/);
    for (let i = 0; i < parts.length; i++) {
      if (cutAfter !== undefined && i === cutAfter) throw new Error("mock connection reset");
      if (delayMs) await sleep(delayMs, cancel);
      yield chunk({ content: parts[i] });
    }
    yield chunk({}, "stop");
  }
  if (includeUsage) yield { id: "chatcmpl-mock", object: "chat.completion.chunk", created: CREATED, model, choices: [], usage };
}

function completion(body: any) {
  const prompt = Array.isArray(body.prompt) ? body.prompt.join(" ") : String(body.prompt ?? "");
  const text = `You said: ${prompt}`;
  const usage = { prompt_tokens: words(prompt), completion_tokens: words(text), total_tokens: words(prompt) + words(text) };
  return { id: "cmpl-mock", object: "text_completion", created: CREATED, model: body.model, choices: [{ index: 0, text, finish_reason: "stop", logprobs: null }], usage };
}

/** A legacy completion, streamed word by word. */
async function* completionChunks(answer: ReturnType<typeof completion>, includeUsage: boolean) {
  const { usage, choices, ...head } = answer;
  const chunk = (text: string, finish: string | null = null) => ({ ...head, choices: [{ index: 0, text, finish_reason: finish, logprobs: null }] });
  for (const word of choices[0]!.text.split(/(?<= )/)) yield chunk(word);
  yield chunk("", "stop");
  if (includeUsage) yield { ...head, choices: [], usage };
}

function embeddings(body: any) {
  const inputs: unknown[] = Array.isArray(body.input) ? body.input : [body.input];
  const dims = Number(body.dimensions ?? 8);
  const data = inputs.map((input, index) => ({ object: "embedding", index, embedding: vectorOf(String(input), dims) }));
  const tokens = inputs.reduce<number>((n, i) => n + words(String(i)), 0);
  return { object: "list", data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

/** A unit vector derived from the text: the same text always maps to the same point. */
function vectorOf(text: string, dims: number): number[] {
  const v = Array.from({ length: dims }, (_, i) => {
    let h = 2166136261 ^ i;
    for (let j = 0; j < text.length; j++) h = Math.imul(h ^ text.charCodeAt(j), 16777619);
    return ((h >>> 0) / 0xffffffff) * 2 - 1;
  });
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function json(status: number, body: unknown): UpstreamResponse {
  const text = JSON.stringify(body);
  return {
    status,
    headers: { "content-type": "application/json" },
    text: async () => text,
    bytes: async () => encoder.encode(text),
    chunks: async function* () {
      yield encoder.encode(text);
    },
  };
}

function sse(chunks: AsyncGenerator<object>): UpstreamResponse {
  return {
    status: 200,
    headers: { "content-type": "text/event-stream" },
    text: () => Promise.reject(new Error("streamed response")),
    bytes: () => Promise.reject(new Error("streamed response")),
    chunks: async function* () {
      for await (const c of chunks) yield encoder.encode(`data: ${JSON.stringify(c)}\n\n`);
      yield encoder.encode("data: [DONE]\n\n");
    },
  };
}

function sleep(ms: number, cancel?: Cancel): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cancel?.aborted) return reject(cancel.reason);
    const stop = cancel?.onAbort(() => (clearTimeout(t), reject(cancel.reason)));
    const t = setTimeout(() => (stop?.(), resolve()), ms);
  });
}
