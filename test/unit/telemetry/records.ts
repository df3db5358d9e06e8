import type { CallRecord } from "../../../core/types.js";

/** Finished calls as the gateway hands them to observers: the cases every telemetry export must handle. */

const STARTED = Date.UTC(2026, 10, 29, 14, 3, 7, 250);

/** A streamed chat through the alias "fast": Groq answered 503, the fallback to OpenAI served it, priced, with prompt-cache reads. */
export function streamedFallback(): CallRecord {
  return {
    requestId: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    endpoint: "chat",
    provider: "openai",
    model: "gpt-4o-mini",
    requestedModel: "fast",
    status: 200,
    stream: true,
    usage: {
      prompt_tokens: 1200,
      completion_tokens: 85,
      total_tokens: 1285,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    startedAt: STARTED,
    durationMs: 2150,
    ttfbMs: 640,
    step: 1,
    principal: "key_01JDX8Q4W7RZ",
    keyName: "ci-bot",
    cache: "MISS",
    costMicros: 1590,
    priced: true,
    attempts: [
      { provider: "groq", model: "llama-3.1-8b-instant", startedAt: STARTED + 3, durationMs: 180, status: 503, error: "Service Unavailable", spanId: "1111aaaa2222bbbb" },
      { provider: "openai", model: "gpt-4o-mini", startedAt: STARTED + 190, durationMs: 1955, status: 200, spanId: "3333cccc4444dddd" },
    ],
    trace: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "a1b2c3d4e5f60718", parentSpanId: "00f067aa0ba902b7", sampled: true, tracestate: "congo=t61rcWkgMzE" },
    metadata: { team: "search" },
    bodies: { request: '{"messages":[{"role":"user","content":"my secret plan"}]}', response: "the secret answer" },
  };
}

/** A Claude call on /v1/messages with a prompt-cache write and thinking tokens. */
export function anthropicMessages(): CallRecord {
  return {
    requestId: "req-anthropic-1",
    endpoint: "messages",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    requestedModel: "claude-sonnet-4-5",
    status: 200,
    stream: false,
    usage: {
      prompt_tokens: 2095 + 1024 + 8192,
      completion_tokens: 503,
      total_tokens: 2095 + 1024 + 8192 + 503,
      prompt_tokens_details: { cached_tokens: 8192, cache_write_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 200 },
    },
    startedAt: STARTED + 1000,
    durationMs: 5300,
    ttfbMs: 5290,
    principal: "token:0",
    cache: "BYPASS",
    costMicros: 17_853,
    priced: true,
    attempts: [{ provider: "anthropic", model: "claude-sonnet-4-5", startedAt: STARTED + 1004, durationMs: 5290, status: 200, spanId: "5555eeee6666ffff" }],
    trace: { traceId: "b7ad6b7169203331b7ad6b7169203331", spanId: "0102030405060708", sampled: true },
  };
}

/** Served from the response cache: no provider call, no tokens spent, whatever the cached answer's usage said. */
export function cacheHit(): CallRecord {
  return {
    requestId: "req-hit-1",
    endpoint: "chat",
    provider: "openai",
    model: "gpt-4o-mini",
    status: 200,
    stream: false,
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
    startedAt: STARTED + 2000,
    durationMs: 4,
    ttfbMs: 4,
    principal: "key_01JDX8Q4W7RZ",
    cache: "HIT",
    costMicros: 0,
    priced: true,
    trace: { traceId: "c0ffee00c0ffee00c0ffee00c0ffee00", spanId: "beefbeefbeefbeef", sampled: true },
  };
}

/** Refused by a rate limit before any upstream call; its model is the client's text. */
export function rateLimited(model = "gpt-4o-mini"): CallRecord {
  return {
    requestId: "req-429",
    endpoint: "chat",
    model,
    status: 429,
    stream: false,
    startedAt: STARTED + 3000,
    durationMs: 2,
    principal: "key_01JDX8Q4W7RZ",
    error: "Rate limit reached: 60 requests per minute",
    errorCode: "rate_limited",
    trace: { traceId: "dddddddddddddddddddddddddddddddd", spanId: "eeeeeeeeeeeeeeee", sampled: true },
  };
}

/** Bedrock timed out twice (no answer at all): a 504 for the client, unpriced model, no usage. */
export function upstreamTimeout(): CallRecord {
  return {
    requestId: "req-504",
    endpoint: "completions",
    provider: "aws-bedrock",
    model: "us.amazon.nova-lite-v1:0",
    status: 504,
    stream: false,
    startedAt: STARTED + 4000,
    durationMs: 20_010,
    principal: "open",
    error: "no answer in 10000 ms (Authorization: Bearer sk-live-abcdefghijklmnop)",
    errorCode: "upstream_timeout",
    priced: false,
    attempts: [
      { provider: "aws-bedrock", model: "us.amazon.nova-lite-v1:0", startedAt: STARTED + 4001, durationMs: 10_000, error: "socket hang up after 10000 ms", spanId: "7777000077770000" },
      { provider: "aws-bedrock", model: "us.amazon.nova-lite-v1:0", startedAt: STARTED + 14_005, durationMs: 10_000, error: "socket hang up after 10000 ms", spanId: "8888000088880000" },
    ],
    trace: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b9c7c989f97918e1", sampled: true },
  };
}

export function allRecords(): CallRecord[] {
  return [streamedFallback(), anthropicMessages(), cacheHit(), rateLimited(), upstreamTimeout()];
}
