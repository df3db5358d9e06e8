import { badRequest } from "../errors.js";
import type { UpstreamRequest, RequestHeaders } from "../http.js";
import { openAICompatibleProvider } from "./openai-compatible.js";
import type { BuiltRequest, CallContext, EndpointAdapter, Provider, ProviderConfig } from "./types.js";

/**
 * Azure OpenAI: OpenAI's wire format on the caller's own resource, so the OpenAI-compatible base
 * does the request, response and stream work; only the URL (resource, deployment, api-version)
 * and the credential header differ.
 *   https://{resource}.openai.azure.com/openai/deployments/{deployment}/chat/completions?api-version=…
 *   https://{resource}.openai.azure.com/openai/v1/chat/completions   (apiVersion "v1": Azure's v1 API)
 */

/** The latest GA version of the data-plane inference API (chat, completions, embeddings). */
export const DEFAULT_API_VERSION = "2024-10-21";

/** An Azure resource name becomes a hostname: nothing else may pass. */
const RESOURCE = /^[a-z0-9][a-z0-9-]{1,62}$/;
const API_VERSION = /^(\d{4}-\d{2}-\d{2}(-preview)?|v1)$/;
/** Deployment names are letters, digits, "-", "_" and "." (Azure's own rule); they go into a path. */
const DEPLOYMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENDPOINT = /^https?:\/\/[^/?#]+\/?$/;
/** An Entra ID access token is a JWT; Azure API keys are not. */
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

type Env = CallContext["env"];

interface AzureSettings {
  resource?: string;
  endpoint?: string;
  apiVersion: string;
  deployments: Record<string, string>;
}

function settings(cfg: ProviderConfig, env: Env): AzureSettings {
  return {
    resource: (cfg.resource as string | undefined) ?? (env.AZURE_OPENAI_RESOURCE || undefined),
    endpoint: env.AZURE_OPENAI_ENDPOINT || undefined,
    apiVersion: (cfg.apiVersion as string | undefined) ?? (env.AZURE_OPENAI_API_VERSION || DEFAULT_API_VERSION),
    deployments: (cfg.deployments as Record<string, string> | undefined) ?? {},
  };
}

function checkConfig(cfg: ProviderConfig, env: Env): string | undefined {
  const s = settings(cfg, env);
  if (s.resource !== undefined && (typeof s.resource !== "string" || !RESOURCE.test(s.resource))) {
    return `resource must be an Azure OpenAI resource name (lower-case letters, digits and "-", 2 to 63 characters), as in https://<resource>.openai.azure.com`;
  }
  if (s.endpoint !== undefined && !ENDPOINT.test(s.endpoint)) return "AZURE_OPENAI_ENDPOINT must look like https://<resource>.openai.azure.com";
  if (typeof s.apiVersion !== "string" || !API_VERSION.test(s.apiVersion)) return `apiVersion must look like "${DEFAULT_API_VERSION}", "2025-04-01-preview" or "v1"`;
  if (typeof s.deployments !== "object" || s.deployments === null || Array.isArray(s.deployments)) return "deployments must map model names to deployment names";
  for (const [model, deployment] of Object.entries(s.deployments)) {
    if (typeof deployment !== "string" || !validDeployment(deployment)) return `deployments.${model} is not a valid deployment name`;
  }
  return undefined;
}

const validDeployment = (d: string) => DEPLOYMENT.test(d) && !d.includes("..");

function baseUrl(cfg: ProviderConfig, env: Env): string {
  const s = settings(cfg, env);
  if (s.resource) return `https://${s.resource}.openai.azure.com`;
  if (s.endpoint) return s.endpoint.replace(/\/+$/, "");
  throw badRequest(
    "Provider azure-openai needs its resource: set providers.azure-openai.resource (or baseUrl), or AZURE_OPENAI_RESOURCE / AZURE_OPENAI_ENDPOINT.",
    "model",
    "provider_not_configured",
  );
}

/** The deployment serving a model: the configured mapping, else the model name itself. */
function deploymentFor(ctx: CallContext): string {
  const { deployments } = settings(ctx.config, ctx.env);
  const d = (Object.hasOwn(deployments, ctx.model) ? deployments[ctx.model] : undefined) ?? ctx.model;
  if (!validDeployment(d)) {
    throw badRequest(`"${d}" is not a valid Azure deployment name: use letters, digits, "-", "_" and ".".`, "model", "invalid_model");
  }
  return d;
}

/** Re-points a request the OpenAI-compatible base built ("/chat/completions") at the deployment. */
function onDeployment<T>(inner: EndpointAdapter<T>, operation: string): EndpointAdapter<T> {
  return {
    async request(body, ctx): Promise<BuiltRequest> {
      const built = await inner.request(body, ctx);
      const deployment = deploymentFor(ctx);
      const { apiVersion } = settings(ctx.config, ctx.env);
      if (apiVersion === "v1") {
        // The v1 API takes the deployment as the model, with no api-version.
        return { ...built, path: `/openai/v1/${operation}`, body: { ...(built.body as object), model: deployment } };
      }
      const path = `/openai/deployments/${encodeURIComponent(deployment)}/${operation}?api-version=${encodeURIComponent(apiVersion)}`;
      return { ...built, path };
    },
    response: inner.response,
    isAnswer: inner.isAnswer,
    stream: inner.stream,
  };
}

/**
 * The gateway's keys and a client's Azure key go in `api-key`. A client's Microsoft Entra ID
 * token (a JWT, sent as Authorization: Bearer beside the gateway key) goes on as a bearer token.
 */
function authorize(req: UpstreamRequest, ctx: CallContext): UpstreamRequest {
  const c = ctx.credential;
  if (c.kind !== "key") return req;
  if (c.source === "client" && JWT.test(c.value)) req.headers["authorization"] = `Bearer ${c.value}`;
  else req.headers["api-key"] = c.value;
  return req;
}

/** The AzureOpenAI SDK sends its key as `api-key`: the caller's own Azure key, unless it is the gateway key sent twice. */
function clientCredential(headers: RequestHeaders): ReturnType<NonNullable<Provider["clientCredential"]>> {
  const key = headers.get("api-key")?.trim();
  if (!key) return null;
  for (const h of ["authorization", "x-api-key", "cf-aig-authorization"]) {
    const v = headers.get(h)?.replace(/^Bearer\s+/i, "").trim();
    if (v === key) return null;
  }
  return { kind: "key", value: key, source: "client" };
}

/**
 * Cloudflare AI Gateway's Azure URLs, /azure-openai/{resource}/{deployment}/chat/completions?api-version=…,
 * as Azure's own path. The resource in the path must be the configured one: it never picks a host.
 */
function passthroughPath(path: string, cfg: ProviderConfig, env: Env): string {
  const m = /^\/([^/]+)\/([^/]+)(\/.+)$/.exec(path);
  if (!m || m[1] === "openai") return path;
  const { resource } = settings(cfg, env);
  if (m[1] !== resource) return path;
  return `/openai/deployments/${m[2]}${m[3]}`;
}

/** Azure's errors are OpenAI's shape plus a code worth keeping (content_filter, DeploymentNotFound …). */
function errorMessage(json: any): string | undefined {
  const e = json?.error;
  if (!e || typeof e.message !== "string") return undefined;
  return typeof e.code === "string" && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message;
}

const base = openAICompatibleProvider("azure-openai", {
  baseUrl,
  keyEnv: ["AZURE_OPENAI_API_KEY"],
  aliases: ["azure"],
  streamUsage: true,
  completions: true,
  embeddings: true,
});

export const azureOpenAIProvider: Provider = {
  ...base,
  models: undefined,
  checkConfig,
  passthroughPath,
  authorize,
  clientCredential,
  errorMessage,
  chat: { ...base.chat!, ...onDeployment(base.chat!, "chat/completions"), stream: base.chat!.stream },
  // Azure's Responses API takes the deployment as the model: /openai/v1/responses, or /openai/responses?api-version=… before v1.
  responses: {
    request(body, ctx) {
      const { apiVersion } = settings(ctx.config, ctx.env);
      const path = apiVersion === "v1" ? "/openai/v1/responses" : `/openai/responses?api-version=${encodeURIComponent(apiVersion)}`;
      return { path, body: { ...body, model: deploymentFor(ctx) } };
    },
  },
  completions: onDeployment(base.completions!, "completions"),
  embeddings: onDeployment(base.embeddings!, "embeddings"),
};
