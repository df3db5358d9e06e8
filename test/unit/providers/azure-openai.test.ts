import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../core/errors.js";
import { azureOpenAIProvider as azure, DEFAULT_API_VERSION } from "../../../core/providers/azure-openai.js";
import type { CallContext, Credential, ProviderConfig } from "../../../core/providers/types.js";
import { fixtureJson } from "../../helpers/fixtures.js";

const JWT = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJjb2duaXRpdmVzZXJ2aWNlcyJ9.c2ln";

function ctx(over: Partial<CallContext> & { config?: ProviderConfig } = {}): CallContext {
  return {
    providerName: "azure-openai",
    provider: azure,
    config: {},
    model: "gpt-4o",
    baseUrl: "https://res.openai.azure.com",
    credential: { kind: "key", value: "k", source: "config" },
    stream: false,
    clientWantsUsage: false,
    clientHeaders: new Headers(),
    env: {},
    ...over,
  };
}

const req = () => ({ url: "https://res.openai.azure.com/x", method: "POST" as const, headers: {} as Record<string, string> });

describe("Azure OpenAI provider", () => {
  it("is the shared OpenAI-compatible base with Azure's URL: chat, completions, embeddings", async () => {
    const chat = await azure.chat!.request({ model: "azure-openai/gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true }, ctx({ stream: true, config: { deployments: { "gpt-4o": "prod.gpt-4o_v2" } } }));
    expect(chat.path).toBe(`/openai/deployments/prod.gpt-4o_v2/chat/completions?api-version=${DEFAULT_API_VERSION}`);
    expect(chat.body).toMatchObject({ model: "gpt-4o", stream: true, stream_options: { include_usage: true } });
    expect(azure.chat!.response).toBeNull();
    expect(azure.chat!.stream.framing).toBe("sse");
    expect((await azure.embeddings!.request({ model: "x", input: "a" }, ctx({ model: "emb" }))).path).toBe(`/openai/deployments/emb/embeddings?api-version=${DEFAULT_API_VERSION}`);
    expect((await azure.completions!.request({ model: "x", prompt: "a" }, ctx({ model: "instruct", config: { apiVersion: "2025-04-01-preview" } }))).path).toBe(
      "/openai/deployments/instruct/completions?api-version=2025-04-01-preview",
    );
    const v1 = await azure.chat!.request({ model: "m", messages: [] }, ctx({ config: { apiVersion: "v1", deployments: { "gpt-4o": "dep" } } }));
    expect(v1).toMatchObject({ path: "/openai/v1/chat/completions", body: { model: "dep" } });
  });

  it.each(["a/b", "..", "a..b", "x?y", "x#y", "%2e%2e", " x", "", "-x", "a".repeat(65)])("refuses the deployment name %j", async (model) => {
    const err = await Promise.resolve()
      .then(() => azure.chat!.request({ model, messages: [] }, ctx({ model })))
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
  });

  it("the host comes from the resource name, or AZURE_OPENAI_ENDPOINT; none is a 400 at call time", () => {
    expect(azure.baseUrl({ resource: "my-res" }, {})).toBe("https://my-res.openai.azure.com");
    expect(azure.baseUrl({}, { AZURE_OPENAI_RESOURCE: "env-res" })).toBe("https://env-res.openai.azure.com");
    expect(azure.baseUrl({}, { AZURE_OPENAI_ENDPOINT: "https://ep.openai.azure.com/" })).toBe("https://ep.openai.azure.com");
    expect(() => azure.baseUrl({}, {})).toThrow(GatewayError);
  });

  it("checkConfig: strict resource, api-version and deployment names", () => {
    expect(azure.checkConfig!({}, {})).toBeUndefined();
    expect(azure.checkConfig!({ resource: "my-res-01", apiVersion: "2025-04-01-preview", deployments: { a: "b" } }, {})).toBeUndefined();
    for (const resource of ["a", "A-res", "res.evil.example", "res/x", "res:443", "-res", "res_1", 42]) expect(azure.checkConfig!({ resource }, {}), String(resource)).toMatch(/resource/);
    expect(azure.checkConfig!({ apiVersion: "latest; drop" }, {})).toMatch(/apiVersion/);
    expect(azure.checkConfig!({ deployments: { a: "x/y" } }, {})).toMatch(/deployments\.a/);
    expect(azure.checkConfig!({ deployments: ["x"] }, {})).toMatch(/deployments/);
    expect(azure.checkConfig!({}, { AZURE_OPENAI_ENDPOINT: "https://x.openai.azure.com/path?q" })).toMatch(/AZURE_OPENAI_ENDPOINT/);
  });

  it("credentials: api-key for keys, Authorization: Bearer for a client's Entra ID token", async () => {
    const with_ = async (credential: Credential) => (await azure.authorize(req(), ctx({ credential }))).headers;
    expect(await with_({ kind: "key", value: "0123abcd", source: "config" })).toEqual({ "api-key": "0123abcd" });
    expect(await with_({ kind: "key", value: "0123abcd", source: "client" })).toEqual({ "api-key": "0123abcd" });
    expect(await with_({ kind: "key", value: JWT, source: "client" })).toEqual({ authorization: `Bearer ${JWT}` });
    expect(await with_({ kind: "key", value: JWT, source: "virtual-key" })).toEqual({ "api-key": JWT });
    expect(await with_({ kind: "none", source: "config" })).toEqual({});
  });

  it("the caller's api-key header is their own Azure key, unless it repeats the gateway key", () => {
    const cc = (h: Record<string, string>) => azure.clientCredential!(new Headers(h), ctx());
    expect(cc({ "api-key": "client-key" })).toEqual({ kind: "key", value: "client-key", source: "client" });
    expect(cc({})).toBeNull();
    expect(cc({ "api-key": "gw", authorization: "Bearer gw" })).toBeNull();
    expect(cc({ "api-key": "gw", "cf-aig-authorization": "Bearer gw" })).toBeNull();
    expect(cc({ "api-key": "gw", "x-api-key": "gw" })).toBeNull();
  });

  it("pass-through paths in Cloudflare's form map to Azure's own, for the configured resource only", () => {
    const map = (p: string) => azure.passthroughPath!(p, { resource: "my-res" }, {});
    expect(map("/my-res/gpt-4o/chat/completions")).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(map("/my-res/emb/embeddings")).toBe("/openai/deployments/emb/embeddings");
    expect(map("/openai/deployments/gpt-4o/chat/completions")).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(map("/other-res/gpt-4o/chat/completions")).toBe("/other-res/gpt-4o/chat/completions");
    expect(azure.passthroughPath!("/my-res/gpt-4o/chat/completions", {}, {})).toBe("/my-res/gpt-4o/chat/completions");
  });

  it("errors keep Azure's code beside the message", () => {
    expect(azure.errorMessage!(fixtureJson("azure/error-content-filter.json"))).toMatch(/content management policy.*\(content_filter\)$/);
    expect(azure.errorMessage!(fixtureJson("azure/error-deployment-not-found.json"))).toMatch(/\(DeploymentNotFound\)$/);
    expect(azure.errorMessage!({ error: { code: "401", message: "Access denied (401)" } })).toBe("Access denied (401)");
    expect(azure.errorMessage!({})).toBeUndefined();
  });

  it("is registered with its alias", async () => {
    const { builtinProviders } = await import("../../../core/providers/index.js");
    const p = builtinProviders.find((x) => x.id === "azure-openai");
    expect(p?.aliases).toEqual(["azure"]);
    expect(p?.keyEnv).toEqual(["AZURE_OPENAI_API_KEY"]);
  });
});
