import * as v from "valibot";
import { parseKeyList } from "./providers/key-pool.js";
import type { ProviderConfig } from "./providers/types.js";
import { checkGuardrails } from "./guardrails/check-config.js";
import { guardrailsSchema } from "./guardrails/schema.js";
import { once } from "./once.js";
import type { GuardrailsConfig } from "./guardrails/types.js";
import { positiveInt, strict } from "./strict-schema.js";

export { closest, editDistance } from "./strict-schema.js";

export interface ModelTarget {
  provider: string;
  model: string;
  weight?: number;
}

export interface ModelAlias {
  /** fallback: targets in order; loadbalance: a weighted pick first, the rest as fallbacks. */
  strategy: "fallback" | "loadbalance";
  targets: ModelTarget[];
  /** Upstream statuses that move on to the next target (Portkey's on_status_codes); absent = any failure. */
  onStatusCodes?: number[];
  /** Cache answers for this alias this long unless the request or its key says otherwise. */
  cacheTtlSeconds?: number;
  /** Refuse (400) a built-in or server tool the target can't run, rather than leave it out. */
  strictTools?: boolean;
  /** "auto": add prompt-cache breakpoints to /v1/messages requests that set none. */
  promptCaching?: "auto";
  /** Guardrail policies every request for this alias runs (besides the gateway's and its key's). */
  guardrails?: string[];
}

export interface RetryPolicy {
  /** Tries per target, the first included: 3 by default (two retries). */
  attempts: number;
  delayMs: number;
  backoff: "constant" | "linear" | "exponential";
  /** The longest upstream Retry-After waited for before a retry; a longer one moves on to the next target. */
  maxWaitMs: number;
}

export interface Config {
  providers: Record<string, ProviderConfig>;
  models: Record<string, ModelAlias>;
  /** Used for a bare model name with no alias, no provider prefix and no x-provider header. */
  defaultProvider?: string;
  auth: {
    /** Gateway tokens accepted in Authorization / x-api-key / cf-aig-authorization. */
    tokens: string[];
    /** Set only by an adapter that knows it is private (the local server on loopback): no tokens then means open. */
    allowOpen: boolean;
  };
  cors: { origins: string[] };
  maxBodyBytes: number;
  retry: RetryPolicy;
  /** Milliseconds an upstream attempt may take to answer (headers for streams, the whole body otherwise). */
  requestTimeoutMs: number;
  /** Milliseconds an upstream may go silent once its answer has started (between chunks, or in a JSON body) before the gateway gives up. */
  streamIdleTimeoutMs: number;
  /** How long a provider key that answered 401/429 sits out. */
  keyCooldownMs: number;
  /** The response cache's gateway-wide default; absent = nothing is cached unless a request, key or alias asks. */
  cache: { ttlSeconds?: number };
  /** A target failing `failures` times within `windowMs` is skipped for `cooldownMs` (0 failures = off). */
  breaker: BreakerConfig;
  /** How long the Responses API's stored responses live (`store: true`). */
  responses: { ttlSeconds: number };
  /** The admin API's bearer token (STRAIT_ADMIN_TOKEN); absent = admin API off. */
  admin: { token?: string };
  /** How long a virtual key lookup is cached in memory (other hosts see a rotation within this). */
  keys: { cacheTtlMs: number };
  limits: LimitsConfig;
  /** Prices by "provider/model" or model, USD per 1M tokens; they win over the built-in table. */
  prices: Record<string, ModelPrice>;
  logs: LogsConfig;
  telemetry: TelemetryConfig;
  guardrails: GuardrailsConfig;
}

export interface LogsConfig {
  /** One entry per request in the store's log (default on whenever there is a store). */
  enabled: boolean;
  /** Store request and answer bodies (default off); a key or a request may turn them on or off. */
  bodies: boolean;
  /** Each body is cut to this many UTF-8 bytes (default 32 KB). */
  maxBodyBytes: number;
  /** How long an entry stays readable (default 30 days). */
  ttlDays: number;
}

export interface TelemetryConfig {
  /** OpenTelemetry traces over OTLP/HTTP JSON, to this endpoint (the full /v1/traces URL). */
  otlp?: { endpoint: string; headers: Record<string, string>; serviceName: string };
  /** CloudWatch Embedded Metric Format lines on stdout; on by default on Lambda only. */
  emf: { enabled?: boolean; namespace: string };
  /** Prometheus /metrics on the local server: on its own loopback port when set, else behind the admin token. */
  metrics: { port?: number };
}

export interface BreakerConfig {
  failures: number;
  windowMs: number;
  cooldownMs: number;
}

/** Cloudflare AI Gateway's cache TTL range, in seconds: a minute to 30 days. */
export const CACHE_TTL_MIN = 60;
export const CACHE_TTL_MAX = 30 * 86_400;

export interface RateLimit {
  /** Requests per minute. */
  rpm?: number;
  /** Tokens per minute, counted from real usage after each response. */
  tpm?: number;
}

export interface LimitsConfig extends RateLimit {
  /** fixed: counters reset each minute; sliding: the previous minute still counts, weighted by its overlap. */
  window: "fixed" | "sliding";
  /** Gateway-wide limits per provider name, across all callers. */
  providers: Record<string, RateLimit>;
}

/** USD per 1M tokens. Cache reads, cache writes and batch calls cost `input`/`output` where their own rate is absent. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Prompt tokens read from the provider's prompt cache. */
  cachedInput?: number;
  /** Prompt tokens written to the prompt cache (5-minute writes, and 1-hour writes without cacheWrite1h). */
  cacheWrite?: number;
  /** Prompt tokens written to the prompt cache for an hour (Anthropic's and Bedrock's 1h TTL). */
  cacheWrite1h?: number;
  batchInput?: number;
  batchOutput?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

// The schemas below are functions: the config is read on the first request, not at module init.

const url = () => v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//, "must start with http:// or https://"));
const keyList = () => v.union([v.string(), v.array(v.string())]);

const targetSchema = () =>
  v.union([
    v.pipe(v.string(), v.regex(/^[^/]+\/.+$/, 'must look like "provider/model"')),
    v.strictObject({ provider: v.pipe(v.string(), v.minLength(1)), model: v.pipe(v.string(), v.minLength(1)), weight: v.optional(v.pipe(v.number(), v.minValue(0))) }),
  ]);

const cacheTtl = () => v.pipe(v.number(), v.integer(), v.minValue(CACHE_TTL_MIN, `must be at least ${CACHE_TTL_MIN} seconds`), v.maxValue(CACHE_TTL_MAX, `must be at most ${CACHE_TTL_MAX} seconds (30 days)`));
const statusCode = () => v.pipe(v.number(), v.integer(), v.minValue(400, "must be a status from 400 to 599"), v.maxValue(599, "must be a status from 400 to 599"));

/**
 * Every setting a provider entry takes: the generic ones, then each provider's own (read by its
 * code under core/providers/). Anything else is a start-up error naming the closest one, so a
 * typo such as "apiKey" or "baseURL" is not silently ignored. A provider that reads a new
 * setting adds it here.
 */
export const providerSettings = () => ({
  type: v.optional(v.string()), // generic
  baseUrl: v.optional(url()), // generic
  apiKeys: v.optional(keyList()), // generic
  passthrough: v.optional(v.picklist(["never", "fallback", "always"])), // generic
  models: v.optional(v.array(v.string())), // generic
  headers: v.optional(v.record(v.string(), v.string())), // generic
  streamUsage: v.optional(v.boolean()), // openai-compatible
  accountId: v.optional(v.string()), // workers-ai
  resource: v.optional(v.string()), // azure-openai
  apiVersion: v.optional(v.string()), // azure-openai
  deployments: v.optional(v.record(v.string(), v.string())), // azure-openai
  region: v.optional(v.string()), // aws-bedrock
  accessKeyId: v.optional(v.string()), // aws-bedrock
  secretAccessKey: v.optional(v.string()), // aws-bedrock
  sessionToken: v.optional(v.string()), // aws-bedrock
  anthropicVersion: v.optional(v.string()), // anthropic
  defaultMaxTokens: v.optional(positiveInt()), // anthropic
});

const aliasSchema = () => {
  const target = targetSchema();
  return v.union([
    target,
    v.array(target),
    strict(
      {
        strategy: v.optional(v.picklist(["fallback", "loadbalance"])),
        targets: v.pipe(v.array(target), v.minLength(1)),
        onStatusCodes: v.optional(v.pipe(v.array(statusCode()), v.minLength(1))),
        cacheTtlSeconds: v.optional(cacheTtl()),
        strictTools: v.optional(v.boolean()),
        promptCaching: v.optional(v.picklist(["auto"])),
        guardrails: v.optional(v.array(v.string())),
      },
      "an alias's settings are",
    ),
  ]);
};

const fileSchema = once(() => {
  const price = v.pipe(v.number(), v.minValue(0));
  return strict(
    {
      $schema: v.optional(v.string()),
      providers: v.optional(v.record(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9._-]*$/, "provider names are lower-case letters, digits, . _ -")), strict(providerSettings(), "a provider's settings are"))),
      models: v.optional(v.record(v.string(), aliasSchema())),
      defaultProvider: v.optional(v.string()),
      auth: v.optional(strict({ tokens: v.optional(keyList()) })),
      cors: v.optional(strict({ origins: v.optional(v.array(v.string())) })),
      maxBodyBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024))),
      retry: v.optional(
        strict({
          attempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10))),
          delayMs: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(60_000))),
          backoff: v.optional(v.picklist(["constant", "linear", "exponential"])),
          maxWaitMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60_000))),
        }),
      ),
      requestTimeoutMs: v.optional(v.pipe(v.number(), v.minValue(1))),
      streamIdleTimeoutMs: v.optional(v.pipe(v.number(), v.minValue(1))),
      keyCooldownMs: v.optional(v.pipe(v.number(), v.minValue(0))),
      cache: v.optional(strict({ ttlSeconds: v.optional(cacheTtl()) })),
      responses: v.optional(strict({ ttlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(365 * 86_400))) })),
      breaker: v.optional(
        strict({
          failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
          windowMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000))),
          cooldownMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000))),
        }),
      ),
      keys: v.optional(strict({ cacheTtlMs: v.optional(v.pipe(v.number(), v.minValue(0))) })),
      limits: v.optional(
        strict({
          window: v.optional(v.picklist(["fixed", "sliding"])),
          rpm: v.optional(positiveInt()),
          tpm: v.optional(positiveInt()),
          providers: v.optional(v.record(v.string(), strict({ rpm: v.optional(positiveInt()), tpm: v.optional(positiveInt()) }))),
        }),
      ),
      prices: v.optional(v.record(v.string(), strict({ input: price, output: price, cachedInput: v.optional(price), cacheWrite: v.optional(price), cacheWrite1h: v.optional(price), batchInput: v.optional(price), batchOutput: v.optional(price) }))),
      logs: v.optional(
        strict({
          enabled: v.optional(v.boolean()),
          bodies: v.optional(v.boolean()),
          maxBodyBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(256 * 1024))),
          ttlDays: v.optional(v.pipe(v.number(), v.minValue(1 / 24), v.maxValue(3650))),
        }),
      ),
      telemetry: v.optional(
        strict({
          otlp: v.optional(strict({ endpoint: url(), headers: v.optional(v.record(v.string(), v.string())), serviceName: v.optional(v.string()) })),
          emf: v.optional(strict({ enabled: v.optional(v.boolean()), namespace: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(255))) })),
          metrics: v.optional(strict({ port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535))) })),
        }),
      ),
      guardrails: v.optional(guardrailsSchema()),
    },
    "the top-level settings are",
    true,
  );
});

export class ConfigError extends Error {}

/** STRAIT_CONFIG_JSON (Lambda and Worker): the same JSON as strait.config.json, as a variable or a secret; undefined when unset. */
export function configFileFromEnv(env: Env): unknown {
  const raw = env.STRAIT_CONFIG_JSON;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`STRAIT_CONFIG_JSON is not valid JSON: ${(e as Error).message}`);
  }
}

function toTarget(t: v.InferOutput<ReturnType<typeof targetSchema>>): ModelTarget {
  if (typeof t !== "string") return t;
  const slash = t.indexOf("/");
  return { provider: t.slice(0, slash), model: t.slice(slash + 1) };
}

function toAlias(a: v.InferOutput<ReturnType<typeof aliasSchema>>): ModelAlias {
  if (typeof a === "string" || !("targets" in a) || Array.isArray(a)) {
    const list = Array.isArray(a) ? a : [a];
    return { strategy: "fallback", targets: list.map(toTarget) };
  }
  return {
    strategy: a.strategy ?? "fallback",
    targets: a.targets.map(toTarget),
    onStatusCodes: a.onStatusCodes,
    cacheTtlSeconds: a.cacheTtlSeconds,
    strictTools: a.strictTools,
    promptCaching: a.promptCaching,
    guardrails: a.guardrails,
  };
}

function envNumber(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

function cacheTtlFromEnv(env: Env): number | undefined {
  const n = envNumber(env, "STRAIT_CACHE_TTL");
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < CACHE_TTL_MIN || n > CACHE_TTL_MAX) throw new ConfigError(`STRAIT_CACHE_TTL must be whole seconds from ${CACHE_TTL_MIN} to ${CACHE_TTL_MAX}, got "${env.STRAIT_CACHE_TTL}"`);
  return n;
}

function envFlag(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (["true", "1", "on", "yes"].includes(raw)) return true;
  if (["false", "0", "off", "no"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/**
 * OTLP settings from the OpenTelemetry SDK's own variables (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
 * OTEL_EXPORTER_OTLP_ENDPOINT plus /v1/traces; OTEL_EXPORTER_OTLP_HEADERS as "k=v,k2=v2";
 * OTEL_SERVICE_NAME), over the file's.
 */
function otlpConfig(env: Env, file: { endpoint: string; headers?: Record<string, string>; serviceName?: string } | undefined): TelemetryConfig["otlp"] {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || (base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined) || file?.endpoint;
  if (!endpoint) return undefined;
  if (!/^https?:\/\/[^/]/.test(endpoint)) throw new ConfigError(`The OTLP endpoint must be an http(s) URL, got "${endpoint}"`);
  const headers = dict(Object.entries(file?.headers ?? {}));
  for (const pair of (env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return { endpoint, headers, serviceName: env.OTEL_SERVICE_NAME?.trim() || file?.serviceName || "strait" };
}

function limitWindow(raw: string | undefined): "fixed" | "sliding" | undefined {
  if (!raw) return undefined;
  if (raw === "fixed" || raw === "sliding") return raw;
  throw new ConfigError(`STRAIT_RATE_LIMIT_WINDOW must be "fixed" or "sliding", got "${raw}"`);
}

function keys(value: string | string[] | undefined, where: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map((k) => k.trim()).filter(Boolean);
  try {
    return parseKeyList(value);
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message}`);
  }
}

/**
 * A map keyed by names from the config (providers, aliases, prices …): no prototype, so a lookup
 * of "constructor" or "toString" finds nothing instead of Object.prototype's.
 */
function dict<T>(entries: Iterable<[string, T]> = []): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, val] of entries) out[k] = val;
  return out;
}

/** Names that are not data on a JS object; valibot's records drop them silently, so they are refused first. */
const RESERVED = new Set(["__proto__", "constructor", "prototype"]);

/** The dot path of the first reserved name used as a key anywhere in the file's JSON. */
function reservedKey(value: unknown, path: string[] = []): string[] | undefined {
  if (!value || typeof value !== "object") return undefined;
  for (const key of Object.keys(value)) {
    if (RESERVED.has(key)) return [...path, key];
    const found = reservedKey((value as Record<string, unknown>)[key], [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** The config file (already parsed JSON, or undefined) overridden by environment variables. */
/** Tries per target unless set: a single 429 or 503 from a provider should not reach the client. */
export const DEFAULT_RETRY_ATTEMPTS = 3;

/** The request body limit unless the config or STRAIT_MAX_BODY_BYTES sets one. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * `defaultMaxBodyBytes`: a runtime's own default body limit, for one whose platform refuses larger
 * requests itself (Lambda's 6 MB invoke payload).
 */
export function loadConfig(file: unknown, env: Env, opts: { allowOpen?: boolean; defaultMaxBodyBytes?: number } = {}): Config {
  const reserved = reservedKey(file);
  if (reserved) throw new ConfigError(`Config error at ${reserved.join(".")}: "${reserved.at(-1)}" can't be used as a name.`);
  const parsed = v.safeParse(fileSchema(), file ?? {});
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = v.getDotPath(issue) ?? "(top level)";
    throw new ConfigError(`Config error at ${path}: ${issue.message}`);
  }
  const f = parsed.output;
  const providers = dict<ProviderConfig>();
  for (const [name, p] of Object.entries(f.providers ?? {})) {
    const cfg = { ...p, apiKeys: keys(p.apiKeys, `providers.${name}.apiKeys`) } as ProviderConfig;
    if (p.deployments) cfg.deployments = dict(Object.entries(p.deployments));
    providers[name] = cfg;
  }
  const models = dict(Object.entries(f.models ?? {}).map(([name, a]) => [name, toAlias(a)]));

  const guardrails: GuardrailsConfig = {
    policies: dict(Object.entries(f.guardrails?.policies ?? {}).map(([name, p]) => [name, { rules: p.rules.map((r) => ({ ...r, on: r.on ?? (r.type === "json_schema" ? "output" : "both") })) }])),
    apply: f.guardrails?.apply ?? [],
    windowChars: envNumber(env, "STRAIT_GUARDRAIL_WINDOW") || f.guardrails?.windowChars || 256,
  };
  const guardError = checkGuardrails(guardrails, models);
  if (guardError) throw new ConfigError(`Config error at ${guardError}`);

  const tokens = keys(env.STRAIT_GATEWAY_TOKENS, "STRAIT_GATEWAY_TOKENS") ?? keys(f.auth?.tokens, "auth.tokens") ?? [];
  const origins = env.STRAIT_CORS_ORIGINS ? env.STRAIT_CORS_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean) : (f.cors?.origins ?? ["*"]);
  return {
    providers,
    models,
    defaultProvider: env.STRAIT_DEFAULT_PROVIDER || f.defaultProvider,
    auth: { tokens, allowOpen: opts.allowOpen ?? false },
    cors: { origins },
    maxBodyBytes: envNumber(env, "STRAIT_MAX_BODY_BYTES") ?? f.maxBodyBytes ?? opts.defaultMaxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    retry: {
      attempts: envNumber(env, "STRAIT_RETRY_ATTEMPTS") ?? f.retry?.attempts ?? DEFAULT_RETRY_ATTEMPTS,
      delayMs: f.retry?.delayMs ?? 250,
      backoff: f.retry?.backoff ?? "exponential",
      maxWaitMs: envNumber(env, "STRAIT_RETRY_MAX_WAIT_MS") ?? f.retry?.maxWaitMs ?? 10_000,
    },
    requestTimeoutMs: envNumber(env, "STRAIT_REQUEST_TIMEOUT_MS") ?? f.requestTimeoutMs ?? 120_000,
    streamIdleTimeoutMs: envNumber(env, "STRAIT_STREAM_IDLE_TIMEOUT_MS") || f.streamIdleTimeoutMs || 60_000,
    keyCooldownMs: f.keyCooldownMs ?? 60_000,
    cache: { ttlSeconds: cacheTtlFromEnv(env) ?? f.cache?.ttlSeconds },
    responses: { ttlSeconds: envNumber(env, "STRAIT_RESPONSES_TTL") ?? f.responses?.ttlSeconds ?? 30 * 86_400 },
    breaker: {
      failures: envNumber(env, "STRAIT_BREAKER_FAILURES") ?? f.breaker?.failures ?? 5,
      windowMs: f.breaker?.windowMs ?? 30_000,
      cooldownMs: envNumber(env, "STRAIT_BREAKER_COOLDOWN_MS") ?? f.breaker?.cooldownMs ?? 30_000,
    },
    admin: { token: env.STRAIT_ADMIN_TOKEN?.trim() || undefined },
    keys: { cacheTtlMs: envNumber(env, "STRAIT_KEY_CACHE_TTL_MS") ?? f.keys?.cacheTtlMs ?? 10_000 },
    limits: {
      window: limitWindow(env.STRAIT_RATE_LIMIT_WINDOW) ?? f.limits?.window ?? "sliding",
      rpm: envNumber(env, "STRAIT_RPM") || f.limits?.rpm,
      tpm: envNumber(env, "STRAIT_TPM") || f.limits?.tpm,
      providers: dict(Object.entries(f.limits?.providers ?? {})),
    },
    prices: dict(Object.entries(f.prices ?? {})),
    logs: {
      enabled: envFlag(env, "STRAIT_LOGS") ?? f.logs?.enabled ?? true,
      bodies: envFlag(env, "STRAIT_LOG_BODIES") ?? f.logs?.bodies ?? false,
      maxBodyBytes: envNumber(env, "STRAIT_LOG_BODY_MAX_BYTES") ?? f.logs?.maxBodyBytes ?? 32 * 1024,
      ttlDays: envNumber(env, "STRAIT_LOG_TTL_DAYS") || f.logs?.ttlDays || 30,
    },
    telemetry: {
      otlp: otlpConfig(env, f.telemetry?.otlp),
      emf: { enabled: envFlag(env, "STRAIT_EMF") ?? f.telemetry?.emf?.enabled, namespace: env.STRAIT_EMF_NAMESPACE?.trim() || f.telemetry?.emf?.namespace || "Strait" },
      metrics: { port: envNumber(env, "STRAIT_METRICS_PORT") ?? f.telemetry?.metrics?.port },
    },
    guardrails,
  };
}
