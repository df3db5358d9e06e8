import { describe, expect, it } from "vitest";
import { clientPath, upstreamUrl } from "../../../core/routes/passthrough.js";
import { GatewayError } from "../../../core/errors.js";

describe("upstreamUrl: the client's path under the provider's base URL", () => {
  const cases: Array<[base: string, path: string, search: string, expected: string]> = [
    // 1. the provider's own full path
    ["https://api.openai.com/v1", "/v1/responses", "", "https://api.openai.com/v1/responses"],
    ["https://api.anthropic.com", "/v1/messages", "?beta=true", "https://api.anthropic.com/v1/messages?beta=true"],
    ["https://generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", "?alt=sse", "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"],
    ["https://bedrock-runtime.us-east-1.amazonaws.com", "/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse", "", "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse"],
    ["https://res.openai.azure.com", "/openai/deployments/gpt-4o/chat/completions", "?api-version=2024-10-21", "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"],
    ["https://api.groq.com/openai/v1", "/openai/v1/chat/completions", "", "https://api.groq.com/openai/v1/chat/completions"],
    // 2. another API version of the same provider
    ["https://generativelanguage.googleapis.com/v1beta", "/v1/models/gemini-2.5-flash:generateContent", "", "https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent"],
    ["https://api.groq.com/openai/v1", "/v1/chat/completions", "", "https://api.groq.com/openai/v1/chat/completions"],
    ["https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1", "/v1/chat/completions", "", "https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1/chat/completions"],
    // 3. relative to the base URL (Cloudflare AI Gateway's convention)
    ["https://api.openai.com/v1", "/chat/completions", "", "https://api.openai.com/v1/chat/completions"],
    ["https://api.groq.com/openai/v1", "/chat/completions", "", "https://api.groq.com/openai/v1/chat/completions"],
    ["http://127.0.0.1:9001/v1", "/embeddings", "", "http://127.0.0.1:9001/v1/embeddings"],
  ];
  it.each(cases)("%s + %s%s", (base, path, search, expected) => {
    expect(upstreamUrl(base, path, search)).toBe(expected);
  });

  it("a Workers AI pass-through stays inside the account's AI API, whatever the path says", () => {
    const base = "https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/ai/v1";
    expect(upstreamUrl(base, "/client/v4/accounts/ffffffffffffffffffffffffffffffff/ai/v1/x", "")).toBe(`${base}/client/v4/accounts/ffffffffffffffffffffffffffffffff/ai/v1/x`);
    expect(upstreamUrl(base, "/zones", "")).toBe(`${base}/zones`);
  });

  it("the host never changes", () => {
    for (const path of ["/@evil.example/x", "/x@evil.example", "/.evil.example"]) {
      expect(new URL(upstreamUrl("https://api.openai.com/v1", path, "")).host).toBe("api.openai.com");
    }
  });
});

describe("clientPath: what may follow /{provider}", () => {
  it("keeps the provider's own path as sent, encoded characters included", () => {
    expect(clientPath("/openai/v1/responses", "openai")).toBe("/v1/responses");
    expect(clientPath("/aws-bedrock/model/a.b-v1%3A0/converse", "aws-bedrock")).toBe("/model/a.b-v1%3A0/converse");
    expect(clientPath("/workers-ai/v1/run/@cf/meta/llama", "workers-ai")).toBe("/v1/run/@cf/meta/llama");
  });
  it.each([
    "/openai",
    "/openai/",
    "/openai//evil.example/x",
    "/openai/v1/..%2fadmin",
    "/openai/v1/%2F",
    "/openai/v1/%5cx",
    "/openai/v1/%2e%2e/x",
    "/openai/v1/%2E/x",
    "/openai/v1/x%00",
    "/openai/v1/../x",
    "/openai/v1/./x",
    "/openai/v1/a\\b",
    "/openai/https://evil.example/",
  ])("refuses %s with a 400", (p) => {
    const err = (() => {
      try {
        clientPath(p, "openai");
      } catch (e) {
        return e;
      }
    })() as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
  });
});
