import { EventStreamDecoder, type EventStreamMessage } from "../formats/eventstream.js";
import { SSEDecoder } from "../formats/sse.js";
import type { Usage } from "../types.js";

/**
 * Token usage read from a provider's own answer on a pass-through route, best effort, in
 * OpenAI's shape. Knows OpenAI chat/completions/embeddings and Responses, Anthropic Messages,
 * Gemini generateContent and Bedrock Converse. Anything else: no usage, never an error.
 */
export function usageOf(json: unknown): Usage | undefined {
  const raw = rawUsage(json);
  return raw ? normalize(raw) : undefined;
}

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const n = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** The usage object inside one answer or one stream event, wherever the provider puts it. */
function rawUsage(o: unknown): Raw | undefined {
  if (Array.isArray(o)) return rawUsage(o[o.length - 1]); // Gemini's streamed JSON array
  if (!isObject(o)) return undefined;
  for (const u of [o.usage, o.usageMetadata, (o.message as Raw | undefined)?.usage, (o.response as Raw | undefined)?.usage]) {
    if (isObject(u)) return u;
  }
  return undefined;
}

function normalize(u: Raw): Usage | undefined {
  let prompt: number, completion: number, total: number | undefined, cached: number | undefined, reasoning: number | undefined;
  if ("prompt_tokens" in u || "completion_tokens" in u) {
    // OpenAI chat / completions / embeddings: already the shape.
    prompt = n(u.prompt_tokens);
    completion = n(u.completion_tokens);
    total = typeof u.total_tokens === "number" ? u.total_tokens : undefined;
    cached = (u.prompt_tokens_details as Raw | undefined)?.cached_tokens as number | undefined;
    reasoning = (u.completion_tokens_details as Raw | undefined)?.reasoning_tokens as number | undefined;
  } else if ("promptTokenCount" in u || "candidatesTokenCount" in u || "totalTokenCount" in u) {
    // Gemini: thoughts are billed as output but counted apart.
    prompt = n(u.promptTokenCount);
    reasoning = typeof u.thoughtsTokenCount === "number" ? u.thoughtsTokenCount : undefined;
    completion = n(u.candidatesTokenCount) + n(u.thoughtsTokenCount);
    total = typeof u.totalTokenCount === "number" ? u.totalTokenCount : undefined;
    cached = typeof u.cachedContentTokenCount === "number" ? u.cachedContentTokenCount : undefined;
  } else if ("inputTokens" in u || "outputTokens" in u) {
    // Bedrock Converse: cache reads and writes are counted apart from inputTokens.
    prompt = n(u.inputTokens) + n(u.cacheReadInputTokens) + n(u.cacheWriteInputTokens);
    completion = n(u.outputTokens);
    total = typeof u.totalTokens === "number" ? u.totalTokens : undefined;
    cached = typeof u.cacheReadInputTokens === "number" ? u.cacheReadInputTokens : undefined;
  } else if ("input_tokens" in u || "output_tokens" in u) {
    if ("total_tokens" in u || "input_tokens_details" in u) {
      // OpenAI Responses: input_tokens already includes cached tokens.
      prompt = n(u.input_tokens);
      total = typeof u.total_tokens === "number" ? u.total_tokens : undefined;
      cached = (u.input_tokens_details as Raw | undefined)?.cached_tokens as number | undefined;
      reasoning = (u.output_tokens_details as Raw | undefined)?.reasoning_tokens as number | undefined;
    } else {
      // Anthropic: input_tokens excludes cache reads and cache writes.
      prompt = n(u.input_tokens) + n(u.cache_read_input_tokens) + n(u.cache_creation_input_tokens);
      cached = typeof u.cache_read_input_tokens === "number" ? u.cache_read_input_tokens : undefined;
    }
    completion = n(u.output_tokens);
  } else {
    return undefined;
  }
  const out: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total ?? prompt + completion };
  if (cached !== undefined) out.prompt_tokens_details = { cached_tokens: cached };
  if (reasoning !== undefined) out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

/**
 * Watches an SSE answer go by, one upstream read at a time, and keeps the usage it reports.
 * Usage fields from later events override earlier ones (Anthropic sends input tokens in
 * message_start and the output count in message_delta; Gemini repeats usageMetadata).
 * Only events that mention usage are parsed, so the cost per event is a substring search.
 */
export class SSEUsageScanner {
  private readonly decoder = new SSEDecoder();
  private readonly merged: Raw = {};
  private seen = false;

  push(bytes: Uint8Array) {
    for (const ev of this.decoder.push(bytes)) this.take(ev.data);
  }

  end(): Usage | undefined {
    for (const ev of this.decoder.flush()) this.take(ev.data);
    return this.seen ? normalize(this.merged) : undefined;
  }

  private take(data: string) {
    if (!data.includes('"usage')) return; // "usage" or "usageMetadata"
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const raw = rawUsage(json);
    if (!raw) return;
    for (const [k, v] of Object.entries(raw)) if (v !== null && v !== undefined) this.merged[k] = v;
    this.seen = true;
  }
}

/**
 * The same for an AWS event stream (Bedrock ConverseStream): usage arrives in the `metadata`
 * event after messageStop. A frame the decoder can't read stops the watching, never the answer.
 */
export class EventStreamUsageScanner {
  private readonly decoder = new EventStreamDecoder();
  private readonly text = new TextDecoder();
  private usage: Usage | undefined;
  private broken = false;

  push(bytes: Uint8Array) {
    if (this.broken) return;
    try {
      for (const message of this.decoder.push(bytes)) this.take(message);
    } catch {
      this.broken = true;
    }
  }

  end(): Usage | undefined {
    return this.usage;
  }

  private take(message: EventStreamMessage) {
    if (message.headers[":event-type"] !== "metadata") return;
    try {
      this.usage = usageOf(JSON.parse(this.text.decode(message.body))) ?? this.usage;
    } catch {
      // not JSON: no usage
    }
  }
}
