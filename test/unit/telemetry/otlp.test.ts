import { describe, expect, it } from "vitest";
import { genAiOperationName, genAiProviderName, type OtlpKeyValue, type OtlpSpan, otlpTraces } from "../../../core/telemetry/otlp.js";
import { allRecords, anthropicMessages, cacheHit, rateLimited, streamedFallback, upstreamTimeout } from "./records.js";

const RESOURCE = { serviceName: "strait", serviceVersion: "0.1.0" };

/** An attribute list as a plain object, each value decoded from its AnyValue. */
function attrs(list: OtlpKeyValue[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list) {
    expect(Object.keys(value)).toHaveLength(1);
    if ("stringValue" in value) out[key] = value.stringValue;
    else if ("intValue" in value) {
      expect(value.intValue).toMatch(/^-?\d+$/);
      out[key] = Number(value.intValue);
    } else if ("doubleValue" in value) out[key] = value.doubleValue;
    else out[key] = value.boolValue;
  }
  expect(new Set(list.map((a) => a.key)).size).toBe(list.length);
  return out;
}

function spansOf(...records: ReturnType<typeof streamedFallback>[]): OtlpSpan[] {
  return otlpTraces(records, RESOURCE).resourceSpans[0]!.scopeSpans[0]!.spans;
}

/** Every key the OTLP/JSON trace request may hold (opentelemetry-proto, lowerCamelCase). */
const OTLP_FIELDS = new Set([
  "resourceSpans",
  "resource",
  "attributes",
  "scopeSpans",
  "scope",
  "name",
  "version",
  "spans",
  "traceId",
  "spanId",
  "parentSpanId",
  "traceState",
  "kind",
  "startTimeUnixNano",
  "endTimeUnixNano",
  "status",
  "code",
  "message",
  "key",
  "value",
  "stringValue",
  "intValue",
  "doubleValue",
  "boolValue",
]);

describe("otlpTraces: the OTLP/HTTP JSON encoding", () => {
  it("uses only OTLP field names, hex ids, integer enums and 64-bit integers as decimal strings", () => {
    const payload = otlpTraces(allRecords(), RESOURCE);
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (node && typeof node === "object") {
        for (const [k, v] of Object.entries(node)) {
          expect(OTLP_FIELDS.has(k), k).toBe(true);
          walk(v);
        }
      }
    };
    walk(payload);
    for (const span of payload.resourceSpans[0]!.scopeSpans[0]!.spans) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      if (span.parentSpanId !== undefined) expect(span.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      expect(Number.isInteger(span.kind)).toBe(true);
      expect(span.startTimeUnixNano).toMatch(/^\d+$/);
      expect(span.endTimeUnixNano).toMatch(/^\d+$/);
      expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
      if (span.status) expect(Number.isInteger(span.status.code)).toBe(true);
    }
  });

  it("describes the service in the resource and names the scope strait", () => {
    const payload = otlpTraces([streamedFallback()], RESOURCE);
    expect(attrs(payload.resourceSpans[0]!.resource.attributes)).toEqual({ "service.name": "strait", "service.version": "0.1.0" });
    expect(payload.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual({ name: "strait" });
    expect(attrs(otlpTraces([], { serviceName: "gw" }).resourceSpans[0]!.resource.attributes)).toEqual({ "service.name": "gw" });
  });
});

describe("otlpTraces: the request's SERVER span", () => {
  it("carries the trace context, the GenAI name and timing in unix nanoseconds", () => {
    const record = streamedFallback();
    const [span] = spansOf(record);
    expect(span).toMatchObject({
      traceId: record.trace!.traceId,
      spanId: record.trace!.spanId,
      parentSpanId: "00f067aa0ba902b7",
      traceState: "congo=t61rcWkgMzE",
      name: "chat fast",
      kind: 2,
      startTimeUnixNano: `${record.startedAt}000000`,
      endTimeUnixNano: `${record.startedAt + record.durationMs}000000`,
    });
    expect(span!.status).toBeUndefined();
  });

  it("has the GenAI semantic conventions' attributes, and Strait's own under strait.*", () => {
    const [span] = spansOf(streamedFallback());
    expect(attrs(span!.attributes)).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "fast",
      "gen_ai.response.model": "gpt-4o-mini",
      "gen_ai.request.stream": true,
      "gen_ai.usage.input_tokens": 1200,
      "gen_ai.usage.output_tokens": 85,
      "gen_ai.usage.cache_read.input_tokens": 1024,
      "gen_ai.response.time_to_first_chunk": 0.64,
      "http.request.method": "POST",
      "http.route": "/v1/chat/completions",
      "http.response.status_code": 200,
      "strait.request_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      "strait.route": "chat",
      "strait.cache": "MISS",
      "strait.step": 1,
      "strait.cost_usd": 0.00159,
      "strait.principal": "key_01JDX8Q4W7RZ",
      "strait.key_name": "ci-bot",
      "strait.retries": 1,
      "strait.ttfb_ms": 640,
    });
  });

  it("reports cache writes and reasoning tokens, and no stream attribute for a whole answer", () => {
    const a = attrs(spansOf(anthropicMessages())[0]!.attributes);
    expect(a["gen_ai.usage.input_tokens"]).toBe(2095 + 1024 + 8192);
    expect(a["gen_ai.usage.cache_read.input_tokens"]).toBe(8192);
    expect(a["gen_ai.usage.cache_creation.input_tokens"]).toBe(1024);
    expect(a["gen_ai.usage.reasoning.output_tokens"]).toBe(200);
    expect(a["gen_ai.request.stream"]).toBeUndefined();
    expect(a["gen_ai.response.time_to_first_chunk"]).toBeUndefined();
    expect(a["http.route"]).toBe("/v1/messages");
    expect(spansOf(anthropicMessages())[0]!.parentSpanId).toBeUndefined();
  });

  it("reports no token usage for a response-cache hit: no model ran", () => {
    const a = attrs(spansOf(cacheHit())[0]!.attributes);
    expect(Object.keys(a).filter((k) => k.startsWith("gen_ai.usage."))).toEqual([]);
    expect(a["strait.cache"]).toBe("HIT");
  });

  it("is an error on a 5xx, with error.type the gateway's error code; a 4xx leaves the status unset", () => {
    const [failed] = spansOf(upstreamTimeout());
    expect(failed!.status).toEqual({ code: 2, message: "upstream_timeout" });
    expect(attrs(failed!.attributes)).toMatchObject({ "error.type": "upstream_timeout", "http.response.status_code": 504, "gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "text_completion" });
    expect(failed!.name).toBe("text_completion us.amazon.nova-lite-v1:0");

    const [refused] = spansOf(rateLimited());
    expect(refused!.status).toBeUndefined();
    const a = attrs(refused!.attributes);
    expect(a["error.type"]).toBeUndefined();
    expect(a["strait.error_code"]).toBe("rate_limited");
    expect(a["http.response.status_code"]).toBe(429);
    expect(a["gen_ai.provider.name"]).toBeUndefined();

    const noCode = { ...upstreamTimeout(), errorCode: undefined, attempts: undefined };
    expect(spansOf(noCode)[0]!.status).toEqual({ code: 2, message: "HTTP 504" });
    expect(attrs(spansOf(noCode)[0]!.attributes)["error.type"]).toBe("504");
  });
});

describe("otlpTraces: one CLIENT span per upstream attempt", () => {
  it("sits under the request's span with the attempt's own id, provider, model and timing", () => {
    const record = streamedFallback();
    const [server, groq, openai] = spansOf(record);
    expect(groq).toMatchObject({
      traceId: server!.traceId,
      spanId: "1111aaaa2222bbbb",
      parentSpanId: server!.spanId,
      kind: 3,
      name: "chat llama-3.1-8b-instant",
      startTimeUnixNano: `${record.startedAt + 3}000000`,
      endTimeUnixNano: `${record.startedAt + 183}000000`,
      status: { code: 2, message: "HTTP 503" },
    });
    expect(attrs(groq!.attributes)).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "groq",
      "gen_ai.request.model": "llama-3.1-8b-instant",
      "http.response.status_code": 503,
      "error.type": "503",
      "strait.attempt": 0,
    });
    expect(openai!.status).toBeUndefined();
    expect(attrs(openai!.attributes)).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "http.response.status_code": 200,
      "strait.attempt": 1,
    });
  });

  it("marks an attempt that got no answer as an error of type _OTHER", () => {
    const [, first] = spansOf(upstreamTimeout());
    expect(first!.status).toEqual({ code: 2, message: "no answer" });
    expect(attrs(first!.attributes)["error.type"]).toBe("_OTHER");
    expect(attrs(first!.attributes)["http.response.status_code"]).toBeUndefined();
  });

  it("leaves out calls without a valid trace context, and attempts with an invalid span id", () => {
    const noTrace = { ...streamedFallback(), trace: undefined };
    const zeroTrace = { ...streamedFallback(), trace: { traceId: "0".repeat(32), spanId: "a1b2c3d4e5f60718", sampled: true } };
    expect(spansOf(noTrace, zeroTrace)).toEqual([]);
    const badAttempt = streamedFallback();
    badAttempt.attempts![0]!.spanId = "NOT-HEX";
    expect(spansOf(badAttempt).map((s) => s.spanId)).toEqual(["a1b2c3d4e5f60718", "3333cccc4444dddd"]);
  });
});

describe("otlpTraces: nothing private leaves", () => {
  it("puts no bodies, error text, metadata or credentials in any span", () => {
    const json = JSON.stringify(otlpTraces(allRecords(), RESOURCE));
    for (const leak of ["secret", "sk-live", "Bearer", "Rate limit reached", "Service Unavailable", "socket hang up", "search"]) expect(json).not.toContain(leak);
  });
});

describe("GenAI names", () => {
  it("maps Strait's provider ids and aliases to the semantic conventions' well-known values", () => {
    const expected: Record<string, string> = {
      openai: "openai",
      anthropic: "anthropic",
      "aws-bedrock": "aws.bedrock",
      bedrock: "aws.bedrock",
      "google-ai-studio": "gcp.gemini",
      gemini: "gcp.gemini",
      "azure-openai": "azure.ai.openai",
      azure: "azure.ai.openai",
      groq: "groq",
      deepseek: "deepseek",
      mistral: "mistral_ai",
      grok: "x_ai",
      xai: "x_ai",
      cohere: "cohere",
      perplexity: "perplexity",
      together: "together",
      "my-vllm": "my-vllm",
      constructor: "constructor",
      __proto__: "__proto__",
    };
    for (const [id, name] of Object.entries(expected)) expect(genAiProviderName(id), id).toBe(name);
    expect(genAiProviderName("__proto__")).toBe("__proto__");
  });

  it("names the operation by endpoint", () => {
    expect(["chat", "messages", "responses", "completions", "embeddings", "passthrough", "universal", "toString"].map(genAiOperationName)).toEqual([
      "chat",
      "chat",
      "chat",
      "text_completion",
      "embeddings",
      "passthrough",
      "universal",
      "toString",
    ]);
  });

  it("names a span by its operation alone when no model is known, and routes pass-through by provider", () => {
    const record = { ...rateLimited(), model: undefined, endpoint: "passthrough", provider: "openai" };
    const [span] = spansOf(record);
    expect(span!.name).toBe("passthrough");
    expect(attrs(span!.attributes)).toMatchObject({ "http.route": "/openai/*" });
    expect(attrs(span!.attributes)["http.request.method"]).toBeUndefined();
  });
});
