import { ConfigError, type Config } from "./config.js";
import { sha256 } from "./crypto.js";
import { KeyCache } from "./keys/cache.js";
import { KeyService } from "./keys/service.js";
import { processCounters } from "./lifecycle/counters.js";
import { LimitState } from "./lifecycle/limit-state.js";
import type { LimitStore, LogStore } from "./store/types.js";
import { analyticsObserver } from "./analytics/observer.js";
import { logObserver } from "./logs/log-observer.js";
import { Guardrails } from "./guardrails/policy.js";
import { otlpObserver } from "./telemetry/observers.js";
import { builtinProviders } from "./providers/index.js";
import { KeyPool, parseKeyList } from "./providers/key-pool.js";
import { customOpenAICompatible } from "./providers/openai-compatible.js";
import type { Provider, ProviderConfig } from "./providers/types.js";
import type { Runtime } from "./runtime.js";
import { Breakers } from "./upstream/breaker.js";
import { ResponseCache } from "./cache/response-cache.js";
import type { CallRecord } from "./types.js";
import { WriteBehind } from "./usage/coalesce.js";
import { usageObserver } from "./usage/observer.js";
import type { FinishedCall } from "./lifecycle/call.js";
import { priceTable, type PriceTable } from "./pricing/cost.js";
import { priceCall } from "./usage/price-call.js";

/** A provider as configured under one name: its code, its settings and its key pool. */
export interface ProviderRoute {
  name: string;
  provider: Provider;
  config: ProviderConfig;
  pool: KeyPool;
}

/**
 * Told of each finished call after its response, as deferred work; its failure is a log line.
 * One that only adds to a Coalescer returns nothing: the batch's write is deferred work already.
 */
export type CallObserver = (record: CallRecord, call: FinishedCall) => Promise<void> | void;

/** Answers the local server keeps in memory, in front of its embedded store. */
const MEMORY_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Resolves on the event loop's next turn, after the calls finishing in this one: setImmediate
 * where there is one (Node, Lambda: a timer waits a millisecond at least, which a Lambda
 * invocation would be billed for), else a zero timer (Workers).
 */
const nextTurn: () => Promise<void> =
  typeof globalThis.setImmediate === "function" ? () => new Promise((resolve) => globalThis.setImmediate(resolve)) : () => new Promise((resolve) => setTimeout(resolve, 0));

/** Provider settings that hold a credential: scrubbed from every text that leaves, like the keys. */
const SECRET_SETTING = /key|secret|token|password/i;

/**
 * The config turned into lookups, and the per-gateway services every request uses, built once
 * per process/isolate: the key service (lookup cache), the limit counters, the usage observer,
 * the secrets the scrubber removes.
 */
export class Gateway {
  private readonly byName = new Map<string, ProviderRoute>();
  /** Told of every finished call, after the response (usage and spend first, then any the runtime adds). */
  readonly observers: CallObserver[] = [];
  /** Calls finished since the last batch was observed, waiting for the next turn. */
  private finished: Array<{ record: CallRecord; call: FinishedCall }> | undefined;
  /** Virtual keys; absent when the runtime has no store. */
  readonly keys: KeyService | undefined;
  /** Where limit windows and spend are counted: the store, or this process when it owns them. */
  readonly counters: LimitStore | undefined;
  /** Rate-limit windows and in-flight counts; absent when the runtime has no store. */
  readonly limits: LimitState | undefined;
  /** Delays the store writes after the answers (usage rows, spend), merged; flush() at shutdown. */
  readonly behind: WriteBehind;
  /** Every credential the gateway itself holds, for the scrubber. */
  readonly secrets: string[];
  /** Targets that keep failing rest for a while (this process's view). */
  readonly breakers: Breakers;
  /** The response cache; absent when the runtime has no store. */
  readonly cache: ResponseCache | undefined;
  /** The request log; absent when the store has none or logging is off. */
  readonly logs: LogStore | undefined;
  /** Prices by provider and model: the dataset under the config's overrides. */
  readonly prices: PriceTable;
  /** The guardrail policies, compiled. */
  readonly guardrails: Guardrails;
  private readonly unpriced = new Set<string>();
  private tokenDigestList: Promise<Uint8Array[]> | undefined;

  constructor(
    readonly config: Config,
    readonly runtime: Runtime,
    providers: readonly Provider[] = builtinProviders,
  ) {
    const builtins = new Map<string, Provider>();
    for (const p of providers) {
      builtins.set(p.id, p);
      for (const a of p.aliases ?? []) builtins.set(a, p);
    }
    for (const p of providers) this.add(p.id, p, config.providers[p.id] ?? {});
    for (const [name, cfg] of Object.entries(config.providers)) {
      if (this.byName.has(name) && !cfg.type) continue;
      const type = cfg.type ?? name;
      let provider: Provider | undefined;
      if (type === "openai-compatible") provider = customOpenAICompatible(name, cfg);
      else provider = builtins.get(type);
      if (!provider) throw new ConfigError(`Config error at providers.${name}: unknown provider; set "type" to "openai-compatible" or one of ${[...builtins.keys()].join(", ")}`);
      if (type === "openai-compatible" && !cfg.baseUrl) throw new ConfigError(`Config error at providers.${name}.baseUrl: an openai-compatible provider needs a baseUrl`);
      this.add(name, provider, cfg);
    }
    // Aliases (bedrock, gemini, azure, xai) reach the same configured route as the id.
    for (const p of providers) for (const a of p.aliases ?? []) if (!this.byName.has(a)) this.byName.set(a, this.byName.get(p.id)!);

    for (const [alias, def] of Object.entries(config.models)) {
      for (const t of def.targets) {
        if (!this.byName.has(t.provider)) throw new ConfigError(`Config error at models.${alias}: unknown provider "${t.provider}"`);
      }
    }
    if (config.defaultProvider && !this.byName.has(config.defaultProvider)) {
      throw new ConfigError(`Config error at defaultProvider: unknown provider "${config.defaultProvider}"`);
    }

    this.secrets = this.collectSecrets();
    // A configured route of a built-in type ("openai-eu": {"type": "openai"}) finds its type's prices.
    this.prices = priceTable(config.prices, (name) => this.byName.get(name)?.provider.id);
    this.breakers = new Breakers(config.breaker);
    const store = runtime.store;
    this.keys = store ? new KeyService(store, new KeyCache(config.keys.cacheTtlMs), Date.now, runtime.sha256Hex) : undefined;
    this.behind = new WriteBehind(runtime.writeBehindMs ?? 0);
    const local = store && runtime.ownsCounters ? processCounters(store.limits, { defer: runtime.defer, behind: this.behind }) : undefined;
    this.counters = local ?? store?.limits;
    this.limits = this.counters ? new LimitState(this.counters, !local, runtime.defer, local) : undefined;
    // Only the process that owns its store may keep answers in memory: no other instance can purge them.
    this.cache = store ? new ResponseCache(store.cache, runtime.log, runtime.ownsCounters ? MEMORY_CACHE_BYTES : 0) : undefined;
    this.logs = config.logs.enabled ? store?.logs : undefined;
    this.guardrails = new Guardrails(config.guardrails);
    if (store) this.observers.push(usageObserver(this));
    if (store?.analytics) this.observers.push(analyticsObserver(this, store.analytics));
    if (this.logs) this.observers.push(logObserver(this, this.logs));
    if (config.telemetry.otlp) this.observers.push(otlpObserver(this, config.telemetry.otlp));
    const metrics = runtime.metrics;
    if (metrics) this.observers.push((record) => metrics.observe(record));
  }

  /**
   * A finished call, after its response: priced once, then handed to every observer (usage and
   * spend, the log, analytics, telemetry). Calls that finish close together are observed as one
   * batch on the next turn of the event loop, one piece of deferred work: each observer then runs
   * over the whole batch in a row, rather than every observer's code once per call between the
   * requests' own (measured in docs/performance.md, "What this issue removed").
   */
  observe(record: CallRecord, call: FinishedCall) {
    if (this.finished) return void this.finished.push({ record, call });
    const batch = (this.finished = [{ record, call }]);
    // Waited for here, as the first call finishes: the price list loads in the background, and a
    // load that fails must have a handler before it does.
    const observed = this.prices.ready
      .then(nextTurn)
      .finally(() => (this.finished = undefined))
      .then(() => this.observeAll(batch));
    this.runtime.defer(observed);
  }

  private observeAll(batch: Array<{ record: CallRecord; call: FinishedCall }>): Promise<unknown> | undefined {
    const { log } = this.runtime;
    const failed = (record: CallRecord) => (e: unknown) => log.error("observer failed", { requestId: record.requestId, error: String((e as Error)?.message ?? e) });
    for (const { record, call } of batch) {
      const missing = priceCall(this.prices, record, call.customCost);
      if (missing && !this.unpriced.has(missing) && this.unpriced.size < 1000) {
        this.unpriced.add(missing);
        log.warn('no price for model: its cost is counted as 0 (add it under "prices" in the config)', { model: missing });
      }
    }
    // Most observers only add to a batch of their own (whose write is deferred work of its own).
    let waiting: Promise<unknown>[] | undefined;
    for (const observe of this.observers) {
      for (const { record, call } of batch) {
        try {
          const done = observe(record, call);
          if (done) (waiting ??= []).push(done.catch(failed(record)));
        } catch (e) {
          failed(record)(e);
        }
      }
    }
    return waiting && Promise.all(waiting);
  }

  /** Shutting down: the writes waiting behind the answers go now, later ones at once. Then await the deferred work. */
  flush() {
    this.behind.close();
  }

  /** The gateway tokens' SHA-256 digests, computed once, so each check compares fixed-length digests. */
  tokenDigests(): Promise<Uint8Array[]> {
    return (this.tokenDigestList ??= Promise.all(this.config.auth.tokens.map(sha256)));
  }

  private collectSecrets(): string[] {
    const out = new Set<string>([...this.config.auth.tokens, ...(this.config.admin.token ? [this.config.admin.token] : [])]);
    for (const r of this.byName.values()) {
      for (const k of r.pool.keys) out.add(k);
      for (const [name, value] of Object.entries(r.config)) if (typeof value === "string" && SECRET_SETTING.test(name)) out.add(value);
    }
    return [...out].filter((s) => s.length >= 6);
  }

  private add(name: string, provider: Provider, config: ProviderConfig) {
    const problem = provider.checkConfig?.(config, this.runtime.env);
    if (problem) throw new ConfigError(`Config error at providers.${name}: ${problem}`);
    const envKeys = (provider.keyEnv ?? []).map((n) => this.runtime.env[n]).find((v) => v);
    let keys = config.apiKeys;
    if (!keys?.length) {
      try {
        keys = parseKeyList(envKeys);
      } catch (e) {
        throw new ConfigError(`${provider.keyEnv?.join("/")}: ${(e as Error).message}`);
      }
    }
    this.byName.set(name, { name, provider, config, pool: new KeyPool(keys, this.config.keyCooldownMs) });
  }

  route(name: string): ProviderRoute | undefined {
    return this.byName.get(name);
  }

  /** Configured names and ids, without aliases, in a stable order. */
  routeNames(): string[] {
    return [...new Set([...this.byName.values()].map((r) => r.name))].sort();
  }

  /** Shown in /v1/models: configured, holding keys, or needing none. */
  isListed(r: ProviderRoute): boolean {
    return Object.hasOwn(this.config.providers, r.name) || r.pool.size > 0 || !r.provider.needsCredential;
  }

  baseUrl(r: ProviderRoute): string {
    return (r.config.baseUrl ?? r.provider.baseUrl(r.config, this.runtime.env)).replace(/\/+$/, "");
  }
}
