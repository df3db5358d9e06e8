/** core/config.ts: typos are start-up errors that name the nearest setting; config maps hold only their own names. */
import { describe, expect, it } from "vitest";
import { closest, ConfigError, editDistance, loadConfig, providerSettings } from "../../core/config.js";

const load = (file: unknown) => loadConfig(file, {});
const error = (file: unknown): string => {
  try {
    load(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("unknown provider settings", () => {
  it('"apiKey" for "apiKeys": the path, the field and the nearest valid one', () => {
    expect(error({ providers: { openai: { apiKey: "sk-1" } } })).toBe('Config error at providers.openai.apiKey: unknown setting "apiKey"; did you mean "apiKeys"?');
  });

  it('"baseURL" for "baseUrl" (case alone), on a custom entry too', () => {
    expect(error({ providers: { "my-vllm": { type: "openai-compatible", baseURL: "http://127.0.0.1:8000/v1" } } })).toBe(
      'Config error at providers.my-vllm.baseURL: unknown setting "baseURL"; did you mean "baseUrl"?',
    );
  });

  it("a provider's own settings: deployment for deployments, regon for region", () => {
    expect(error({ providers: { "azure-openai": { resource: "r", deployment: { a: "b" } } } })).toMatch(/providers\.azure-openai\.deployment: .*did you mean "deployments"\?/);
    expect(error({ providers: { "aws-bedrock": { regon: "eu-west-1" } } })).toMatch(/did you mean "region"\?/);
  });

  it("a name far from any setting lists them all", () => {
    const msg = error({ providers: { openai: { organisationId: "org-1" } } });
    expect(msg).toMatch(/^Config error at providers\.openai\.organisationId: unknown setting "organisationId"; a provider's settings are: type, baseUrl, apiKeys/);
    for (const name of Object.keys(providerSettings())) expect(msg).toContain(name);
  });

  it("every setting a provider reads is accepted", () => {
    const config = load({
      providers: {
        openai: { apiKeys: ["sk-1"], passthrough: "never", models: ["gpt-4o"], headers: { "x-team": "ml" } },
        "my-vllm": { type: "openai-compatible", baseUrl: "http://127.0.0.1:8000/v1", streamUsage: false },
        "workers-ai": { accountId: "0123456789abcdef0123456789abcdef" },
        "azure-openai": { resource: "my-res", apiVersion: "2024-10-21", deployments: { "gpt-4o": "prod" } },
        "aws-bedrock": { region: "eu-west-1", accessKeyId: "AKIA", secretAccessKey: "s", sessionToken: "t" },
        anthropic: { anthropicVersion: "2023-06-01", defaultMaxTokens: 8192 },
      },
    });
    expect(config.providers["aws-bedrock"]).toMatchObject({ region: "eu-west-1", accessKeyId: "AKIA" });
    expect(config.providers["anthropic"]).toMatchObject({ defaultMaxTokens: 8192 });
    expect(config.providers["my-vllm"]!.streamUsage).toBe(false);
  });

  it("a provider's setting of the wrong type is an error at its path", () => {
    expect(error({ providers: { anthropic: { defaultMaxTokens: "lots" } } })).toMatch(/^Config error at providers\.anthropic\.defaultMaxTokens: /);
  });
});

describe("unknown top-level and nested settings", () => {
  it('"provider" for "providers": the nearest one and the list of top-level settings', () => {
    const msg = error({ provider: { openai: {} } });
    expect(msg).toMatch(/^Config error at provider: unknown setting "provider"; did you mean "providers"\? The top-level settings are: /);
    for (const name of ["providers", "models", "defaultProvider", "auth", "cors", "retry", "limits", "prices"]) expect(msg).toContain(name);
  });

  it('"model" for "models"', () => {
    expect(error({ model: { fast: "openai/gpt-4o-mini" } })).toMatch(/^Config error at model: unknown setting "model"; did you mean "models"\?/);
  });

  it("a name far from any top-level setting still lists them", () => {
    expect(error({ gateway: {} })).toMatch(/^Config error at gateway: unknown setting "gateway"; the top-level settings are: \$schema, providers, models/);
  });

  it("nested objects suggest too", () => {
    expect(error({ retry: { attempt: 3 } })).toBe('Config error at retry.attempt: unknown setting "attempt"; did you mean "attempts"?');
    expect(error({ limits: { providers: { openai: { rpn: 10 } } } })).toMatch(/limits\.providers\.openai\.rpn: .*did you mean "rpm"\?/);
  });

  it("other errors keep their message", () => {
    expect(error({ providers: { openai: { baseUrl: "not a url" } } })).toMatch(/^Config error at providers\.openai\.baseUrl: /);
    expect(error({ prices: { "a/b": { input: 1 } } })).toMatch(/^Config error at prices\.a\/b\.output: /);
  });
});

describe("edit distance and the nearest name", () => {
  it("counts edits, case ignored", () => {
    expect(editDistance("apiKey", "apiKeys")).toBe(1);
    expect(editDistance("baseURL", "baseUrl")).toBe(0);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("suggests only a name close enough to be a typo", () => {
    expect(closest("modles", ["models", "providers"])).toBe("models");
    expect(closest("foo", ["models", "providers"])).toBeUndefined();
  });
});

describe("config maps hold only their own names", () => {
  const config = load({
    providers: { openai: { apiKeys: ["sk-1"] }, "azure-openai": { resource: "r", deployments: { "gpt-4o": "prod" } } },
    models: { fast: "openai/gpt-4o-mini" },
    limits: { providers: { openai: { rpm: 10 } } },
    prices: { "openai/gpt-4o-mini": { input: 1, output: 2 } },
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])("%s is not found in models, providers, limits.providers, prices or deployments", (name) => {
    expect(config.models[name]).toBeUndefined();
    expect(config.providers[name]).toBeUndefined();
    expect(config.limits.providers[name]).toBeUndefined();
    expect(config.prices[name]).toBeUndefined();
    expect((config.providers["azure-openai"]!.deployments as Record<string, string>)[name]).toBeUndefined();
    expect(name in config.models).toBe(false);
  });

  it("the configured names are still found", () => {
    expect(config.models.fast).toEqual({ strategy: "fallback", targets: [{ provider: "openai", model: "gpt-4o-mini" }] });
    expect(config.providers.openai!.apiKeys).toEqual(["sk-1"]);
    expect(config.limits.providers.openai).toEqual({ rpm: 10 });
    expect(config.prices["openai/gpt-4o-mini"]).toEqual({ input: 1, output: 2 });
    expect(Object.keys(config.models)).toEqual(["fast"]);
  });

  it("an empty config gives empty maps without a prototype", () => {
    const empty = load(undefined);
    for (const map of [empty.models, empty.providers, empty.limits.providers, empty.prices]) {
      expect(Object.getPrototypeOf(map)).toBeNull();
      expect(map["constructor"]).toBeUndefined();
    }
  });

  it.each(["constructor", "__proto__", "prototype"])("a config that names something %s is refused, not silently dropped", (name) => {
    // JSON.parse, as the file is read: an object literal's __proto__ would set the prototype instead.
    expect(error(JSON.parse(`{"models": {"${name}": "openai/gpt-4o"}}`))).toBe(`Config error at models.${name}: "${name}" can't be used as a name.`);
    expect(error(JSON.parse(`{"providers": {"${name}": {"type": "openai-compatible", "baseUrl": "http://127.0.0.1:1/v1"}}}`))).toBe(
      `Config error at providers.${name}: "${name}" can't be used as a name.`,
    );
    expect(error(JSON.parse(`{"prices": {"${name}": {"input": 1, "output": 1}}}`))).toMatch(/can't be used as a name/);
  });
});

describe("the body limit", () => {
  it("10 MiB unless set; a runtime's own default (Lambda's) yields to the config and the environment", async () => {
    const { LAMBDA_MAX_BODY_BYTES } = await import("../../functions/lambda/handler.js");
    expect(loadConfig({}, {}).maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(LAMBDA_MAX_BODY_BYTES).toBeLessThan(6 * 1024 * 1024);
    expect(loadConfig({}, {}, { defaultMaxBodyBytes: LAMBDA_MAX_BODY_BYTES }).maxBodyBytes).toBe(LAMBDA_MAX_BODY_BYTES);
    expect(loadConfig({ maxBodyBytes: 4096 }, {}, { defaultMaxBodyBytes: LAMBDA_MAX_BODY_BYTES }).maxBodyBytes).toBe(4096);
    expect(loadConfig({}, { STRAIT_MAX_BODY_BYTES: "2048" }, { defaultMaxBodyBytes: LAMBDA_MAX_BODY_BYTES }).maxBodyBytes).toBe(2048);
  });
});
