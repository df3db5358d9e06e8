/**
 * What the three runtime adapters (node, lambda, worker) do alike when they start: read
 * STRAIT_STORE, build the gateway and its app, track deferred work, and say at start how the
 * gateway admits callers. What differs stays in each adapter (node:http, Lambda streaming,
 * ctx.waitUntil). The Worker imports this file too: Web APIs only, no node:* modules.
 */
import { createApp } from "../core/app.js";
import { ConfigError, type Config } from "../core/config.js";
import { Gateway, type CallObserver } from "../core/gateway.js";
import type { Logger, Runtime } from "../core/runtime.js";
import type { Store } from "../core/store/types.js";

export type RuntimeName = "node" | "lambda" | "worker";

/** Every STRAIT_STORE value; each runtime accepts some of them (RUNTIMES[…].stores). */
export const STORE_NAMES = ["embedded", "memory", "dynamodb", "cloudflare", "none"] as const;
export type StoreName = (typeof STORE_NAMES)[number];

export interface RuntimeProfile {
  /** How messages name it: "the local server", "Lambda", "the Worker". */
  label: string;
  /** The STRAIT_STORE values it accepts, in the order its error names them. */
  stores: readonly StoreName[];
  /** How an operator gives it a new secret, e.g. `set X and restart`. */
  setSecret(names: readonly [string, ...string[]]): string;
  /** What `npx strait` needs besides the admin token to reach it. */
  cliEnv: string;
  /** Why a gateway with no credential configured does not run open here. */
  closed: string;
}

const either = (names: readonly string[]) => (names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names.at(-1)}` : names[0]!);

export const RUNTIMES: Record<RuntimeName, RuntimeProfile> = {
  node: {
    label: "the local server",
    stores: ["embedded", "memory", "dynamodb", "none"],
    setSecret: (names) => `set ${either(names)} and restart`,
    cliEnv: "the same STRAIT_ADMIN_TOKEN in your shell",
    closed: "This server is not on loopback (HOST), so it never runs open.",
  },
  lambda: {
    label: "Lambda",
    stores: ["dynamodb", "memory", "none"],
    setSecret: (names) => `put ${either(names)} in the function's secret (STRAIT_SECRET_ARN) and redeploy (new execution environments read it)`,
    cliEnv: "STRAIT_URL set to the function's URL and the same STRAIT_ADMIN_TOKEN in your shell",
    closed: "A deployed function never runs open.",
  },
  worker: {
    label: "the Worker",
    stores: ["cloudflare", "dynamodb", "memory", "none"],
    setSecret: ([first, ...rest]) => `run \`npx wrangler secret put ${first}\`${rest.length ? ` (or ${either(rest)})` : ""}`,
    cliEnv: "STRAIT_URL set to the Worker's URL and the same STRAIT_ADMIN_TOKEN in your shell",
    closed: "A Worker never runs open.",
  },
};

/**
 * STRAIT_STORE for this runtime: unset or empty gives `fallback`; a value the runtime does not
 * have is a ConfigError that names the ones it does (and where another runtime's value belongs).
 */
export function parseStoreName(raw: string | undefined, runtime: RuntimeName, fallback: StoreName): StoreName {
  const name = (raw ?? "").trim().toLowerCase();
  if (!name) return fallback;
  const { label, stores } = RUNTIMES[runtime];
  if ((stores as readonly string[]).includes(name)) return name as StoreName;
  const real = stores.filter((s) => s !== "none");
  const elsewhere = (Object.keys(RUNTIMES) as RuntimeName[]).filter((r) => (RUNTIMES[r].stores as readonly string[]).includes(name)).map((r) => RUNTIMES[r].label);
  throw new ConfigError(
    `STRAIT_STORE must be ${either(real)}, or none for no store, on ${label}; got "${raw}"${elsewhere.length ? ` (${name} is for ${either(elsewhere)})` : ""}.`,
  );
}

/**
 * Work after the response (usage, counters, logs, cache writes) that the runtime must let finish:
 * Node waits for it at shutdown, Lambda before each invocation returns, a Worker in ctx.waitUntil.
 * A failure is logged ("deferred work failed") and never reaches a caller.
 */
export class DeferredWork {
  private readonly work = new Set<Promise<unknown>>();

  constructor(private readonly log: Pick<Logger, "error">) {}

  /** The core's Runtime.defer. */
  readonly defer = (work: Promise<unknown>): void => {
    const tracked = work.catch((e) => this.log.error("deferred work failed", { error: String(e?.message ?? e) }));
    this.work.add(tracked);
    void tracked.finally(() => this.work.delete(tracked));
  };

  /** Work deferred and not finished yet. */
  get pending(): number {
    return this.work.size;
  }

  /**
   * Resolves true once nothing is pending, including work that deferred work itself deferred;
   * false when `timeoutMs` passed first (the work goes on, unawaited).
   */
  async drained(timeoutMs = Infinity): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((r) => {
      if (timeoutMs !== Infinity) timer = setTimeout(() => r(false), Math.max(0, timeoutMs));
    });
    try {
      // One macrotask first: a cancelled stream reports its end a few microtasks after the cancel.
      await new Promise((r) => setTimeout(r, 0));
      while (this.work.size > 0) {
        const done = await Promise.race([Promise.allSettled([...this.work]).then(() => true as const), late]);
        if (!done) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
}

export type App = ReturnType<typeof createApp>;

/** The gateway over a runtime (whose `defer` is usually a DeferredWork's), and the Hono app over it. */
export function buildGateway(config: Config, runtime: Runtime, observers: readonly CallObserver[] = []): { gateway: Gateway; app: App } {
  const gateway = new Gateway(config, runtime);
  gateway.observers.push(...observers);
  return { gateway, app: createApp(gateway) };
}

/** Whether the store holds a virtual key: "no store" without one, "unknown" when it could not be read. */
export type StoreKeys = boolean | "no store" | "unknown";

export interface AccessFacts {
  storeHasKeys: StoreKeys;
  /** The gateway may run open with no credential configured (the local server on loopback). */
  open: boolean;
}

export interface StartupMessage {
  level: "warn" | "error";
  message: string;
}

/**
 * What to tell the operator at start about who can call the gateway, or nothing when gateway
 * tokens are set or an admin token and a store are there. Mirrors core/pipeline/auth.ts: a key is
 * required once gateway tokens, an admin token or any virtual key exist; with none of them only a
 * gateway that may run open serves, and anyone can call it.
 */
export function startupWarning(config: Config, runtime: RuntimeName, { storeHasKeys, open }: AccessFacts): StartupMessage | undefined {
  if (config.auth.tokens.length > 0) return undefined;
  const { setSecret, cliEnv, closed } = RUNTIMES[runtime];
  const anyone = "anyone who can reach this loopback address can use it";
  if (config.admin.token) {
    if (storeHasKeys !== "no store") return undefined;
    return {
      level: "error",
      message: `STRAIT_ADMIN_TOKEN is set but there is no store, so no virtual key can exist, and no gateway tokens are set: every API request is refused. Use a store, or ${setSecret(["STRAIT_GATEWAY_TOKENS"])}.`,
    };
  }
  if (storeHasKeys === true) {
    return {
      level: "warn",
      message:
        "virtual keys exist in the store, so every API request needs one (no gateway tokens are set); STRAIT_ADMIN_TOKEN is not set, so the admin API is off. " +
        `To manage keys, or to get back in if the keys are lost: ${setSecret(["STRAIT_ADMIN_TOKEN"])}, then use the admin API (/admin/keys) or \`npx strait keys list\` / \`npx strait keys create --name NAME\` with ${cliEnv}.`,
    };
  }
  if (storeHasKeys === "unknown") {
    return {
      level: "warn",
      message:
        "no gateway tokens or admin token are set, and the store could not be read to tell whether virtual keys exist: " +
        (open ? `if none do, ${anyone}; if some do, every API request needs one. ` : `every API request without a virtual key is refused (fail closed). ${closed} `) +
        `To require a key, ${setSecret(["STRAIT_GATEWAY_TOKENS", "STRAIT_ADMIN_TOKEN"])}.`,
    };
  }
  if (storeHasKeys === "no store") {
    return open
      ? { level: "warn", message: `open gateway: no gateway tokens are set and there is no store for virtual keys, so ${anyone}. To require a token, ${setSecret(["STRAIT_GATEWAY_TOKENS"])}.` }
      : { level: "error", message: `no gateway tokens are set and there is no store for virtual keys: every API request is refused (fail closed). ${closed} ${capital(setSecret(["STRAIT_GATEWAY_TOKENS"]))}.` };
  }
  return open
    ? {
        level: "warn",
        message: `open gateway: no gateway tokens or admin token are set and the store holds no virtual keys, so ${anyone}. To require a key, ${setSecret(["STRAIT_GATEWAY_TOKENS", "STRAIT_ADMIN_TOKEN"])}.`,
      }
    : {
        level: "error",
        message: `no gateway tokens or admin token are set and the store holds no virtual keys: every API request is refused (fail closed). ${closed} ${capital(setSecret(["STRAIT_GATEWAY_TOKENS", "STRAIT_ADMIN_TOKEN"]))}.`,
      };
}

const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/**
 * Whether the store holds any virtual key: one page of one key from the store's keys API, the
 * read KeyService.anyExist (core/keys/service.ts) makes for auth. Read only when it matters.
 */
export async function storeKeys(store: Store | undefined, log: Logger): Promise<StoreKeys> {
  if (!store) return "no store";
  try {
    return (await store.keys.list(undefined, 1)).items.length > 0;
  } catch (e) {
    log.warn("could not read the store to see whether virtual keys exist", { error: String((e as Error)?.message ?? e) });
    return "unknown";
  }
}

/**
 * Logs startupWarning's message, if any, reading the store only when the answer depends on it
 * (no gateway tokens, and no admin token with a store). Lambda and the Worker defer it, so the
 * first request does not wait for it; the local server awaits it after "listening".
 */
export async function announceAccess(gateway: Gateway, runtime: RuntimeName): Promise<StartupMessage | undefined> {
  const { config } = gateway;
  const { log, store } = gateway.runtime;
  if (config.auth.tokens.length > 0 || (config.admin.token && store)) return undefined;
  const found = startupWarning(config, runtime, { storeHasKeys: await storeKeys(store, log), open: config.auth.allowOpen });
  if (found) log[found.level](found.message);
  return found;
}
