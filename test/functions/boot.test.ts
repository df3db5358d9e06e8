/** functions/boot.ts: what the three adapters share at start (store names, the start-up message, the gateway). */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Config } from "../../core/config.js";
import { KeyService } from "../../core/keys/service.js";
import { KeyCache } from "../../core/keys/cache.js";
import { fetchClient } from "../../core/http.js";
import type { Logger } from "../../core/runtime.js";
import { memoryStore } from "../../core/store/memory.js";
import type { Store } from "../../core/store/types.js";
import { announceAccess, buildGateway, DeferredWork, parseStoreName, RUNTIMES, startupWarning, STORE_NAMES, type RuntimeName } from "../../functions/boot.js";

const config = (env: Record<string, string> = {}, allowOpen = false): Config => loadConfig(undefined, env, { allowOpen });
const runtimes = Object.keys(RUNTIMES) as RuntimeName[];

describe("parseStoreName", () => {
  it("each runtime's names are shared ones; none and memory everywhere, embedded on node only, cloudflare on the worker only", () => {
    for (const r of runtimes) for (const s of RUNTIMES[r].stores) expect(STORE_NAMES).toContain(s);
    for (const r of runtimes) expect(RUNTIMES[r].stores).toEqual(expect.arrayContaining(["none", "memory", "dynamodb"]));
    expect(runtimes.filter((r) => RUNTIMES[r].stores.includes("embedded"))).toEqual(["node"]);
    expect(runtimes.filter((r) => RUNTIMES[r].stores.includes("cloudflare"))).toEqual(["worker"]);
  });

  it("unset or empty gives the runtime's default; a name is trimmed and case-folded", () => {
    expect(parseStoreName(undefined, "node", "embedded")).toBe("embedded");
    expect(parseStoreName("", "lambda", "none")).toBe("none");
    expect(parseStoreName(" DynamoDB ", "worker", "none")).toBe("dynamodb");
    expect(parseStoreName("none", "node", "embedded")).toBe("none");
  });

  it("an unknown name is one ConfigError naming this runtime's values", () => {
    const err = (raw: string, r: RuntimeName) => {
      try {
        parseStoreName(raw, r, "none");
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error("expected an error");
    };
    expect(err("redis", "node")).toBe('STRAIT_STORE must be embedded, memory or dynamodb, or none for no store, on the local server; got "redis".');
    expect(err("redis", "worker")).toBe('STRAIT_STORE must be cloudflare, dynamodb or memory, or none for no store, on the Worker; got "redis".');
    expect(err("embedded", "lambda")).toBe('STRAIT_STORE must be dynamodb or memory, or none for no store, on Lambda; got "embedded" (embedded is for the local server).');
    expect(err("cloudflare", "node")).toMatch(/got "cloudflare" \(cloudflare is for the Worker\)\.$/);
  });
});

describe("startupWarning", () => {
  it("says nothing when gateway tokens are set, whatever the store holds", () => {
    for (const r of runtimes) {
      for (const storeHasKeys of [true, false, "no store", "unknown"] as const) {
        expect(startupWarning(config({ STRAIT_GATEWAY_TOKENS: "tok-1" }), r, { storeHasKeys, open: r === "node" })).toBeUndefined();
      }
    }
  });

  it("keys in the store and no admin token: every request needs a key, and how to get back in", () => {
    const w = startupWarning(config({}, true), "node", { storeHasKeys: true, open: true });
    expect(w?.level).toBe("warn");
    expect(w?.message).toBe(
      "virtual keys exist in the store, so every API request needs one (no gateway tokens are set); STRAIT_ADMIN_TOKEN is not set, so the admin API is off. " +
        "To manage keys, or to get back in if the keys are lost: set STRAIT_ADMIN_TOKEN and restart, then use the admin API (/admin/keys) or `npx strait keys list` / `npx strait keys create --name NAME` with the same STRAIT_ADMIN_TOKEN in your shell.",
    );
    expect(w?.message).not.toMatch(/open gateway|anyone/);
    expect(startupWarning(config(), "worker", { storeHasKeys: true, open: false })?.message).toContain("run `npx wrangler secret put STRAIT_ADMIN_TOKEN`, then use the admin API (/admin/keys) or `npx strait keys list` / `npx strait keys create --name NAME` with STRAIT_URL set to the Worker's URL");
    expect(startupWarning(config(), "lambda", { storeHasKeys: true, open: false })?.message).toContain("put STRAIT_ADMIN_TOKEN in the function's secret");
  });

  it("no keys on loopback: open, and says so", () => {
    expect(startupWarning(config({}, true), "node", { storeHasKeys: false, open: true })).toEqual({
      level: "warn",
      message:
        "open gateway: no gateway tokens or admin token are set and the store holds no virtual keys, so anyone who can reach this loopback address can use it. To require a key, set STRAIT_GATEWAY_TOKENS or STRAIT_ADMIN_TOKEN and restart.",
    });
    expect(startupWarning(config({}, true), "node", { storeHasKeys: "no store", open: true })?.message).toMatch(/^open gateway: no gateway tokens are set and there is no store for virtual keys/);
  });

  it("no keys and not open: fail closed, an error with this runtime's way to set a token", () => {
    expect(startupWarning(config(), "lambda", { storeHasKeys: false, open: false })).toEqual({
      level: "error",
      message:
        "no gateway tokens or admin token are set and the store holds no virtual keys: every API request is refused (fail closed). A deployed function never runs open. Put STRAIT_GATEWAY_TOKENS or STRAIT_ADMIN_TOKEN in the function's secret (STRAIT_SECRET_ARN) and redeploy (new execution environments read it).",
    });
    expect(startupWarning(config(), "worker", { storeHasKeys: "no store", open: false })).toEqual({
      level: "error",
      message: "no gateway tokens are set and there is no store for virtual keys: every API request is refused (fail closed). A Worker never runs open. Run `npx wrangler secret put STRAIT_GATEWAY_TOKENS`.",
    });
    expect(startupWarning(config(), "node", { storeHasKeys: false, open: false })).toEqual({
      level: "error",
      message:
        "no gateway tokens or admin token are set and the store holds no virtual keys: every API request is refused (fail closed). This server is not on loopback (HOST), so it never runs open. Set STRAIT_GATEWAY_TOKENS or STRAIT_ADMIN_TOKEN and restart.",
    });
  });

  it("an admin token and a store: nothing to say; an admin token without a store: nothing can get in", () => {
    expect(startupWarning(config({ STRAIT_ADMIN_TOKEN: "adm" }), "node", { storeHasKeys: false, open: true })).toBeUndefined();
    expect(startupWarning(config({ STRAIT_ADMIN_TOKEN: "adm" }), "node", { storeHasKeys: "no store", open: true })).toMatchObject({ level: "error", message: expect.stringMatching(/^STRAIT_ADMIN_TOKEN is set but there is no store/) });
  });

  it("a store that could not be read: says what holds either way", () => {
    expect(startupWarning(config({}, true), "node", { storeHasKeys: "unknown", open: true })?.message).toMatch(/could not be read.*if none do, anyone who can reach this loopback address can use it; if some do, every API request needs one/);
    expect(startupWarning(config(), "worker", { storeHasKeys: "unknown", open: false })?.message).toMatch(/could not be read.*refused \(fail closed\)/);
  });
});

function recordingLog() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines };
}

describe("buildGateway + announceAccess", () => {
  const boot = (store: Store | undefined, env: Record<string, string> = {}, allowOpen = true) => {
    const { log, lines } = recordingLog();
    const work = new DeferredWork(log);
    const { gateway, app } = buildGateway(loadConfig(undefined, env, { allowOpen }), { http: fetchClient, defer: work.defer, log, env, store });
    return { gateway, app, lines };
  };

  it("a store holding a key: the keys-exist message, and the gateway indeed wants a key", async () => {
    const store = memoryStore();
    await new KeyService(store, new KeyCache(0)).create({ name: "ci" });
    const { gateway, app, lines } = boot(store);
    await announceAccess(gateway, "node");
    expect(lines.map((l) => l.level)).toEqual(["warn"]);
    expect(lines[0]!.msg).toMatch(/^virtual keys exist in the store, so every API request needs one/);
    const res = await app.fetch(new Request("http://gw/v1/models"));
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("missing_api_key");
  });

  it("an empty store on loopback: the open-gateway message, and the gateway indeed answers", async () => {
    const { gateway, app, lines } = boot(memoryStore());
    await announceAccess(gateway, "node");
    expect(lines[0]!.msg).toMatch(/^open gateway: /);
    expect((await app.fetch(new Request("http://gw/v1/models"))).status).toBe(200);
  });

  it("a store that fails: logged, and the unknown-state message", async () => {
    const store = memoryStore();
    store.keys.list = async () => {
      throw new Error("table not found");
    };
    const { gateway, lines } = boot(store, {}, false);
    await announceAccess(gateway, "lambda");
    expect(lines.map((l) => [l.level, l.msg.slice(0, 40)])).toEqual([
      ["warn", "could not read the store to see whether "],
      ["warn", "no gateway tokens or admin token are set"],
    ]);
    expect(lines[0]!.fields).toEqual({ error: "table not found" });
  });

  it("gateway tokens or an admin token with a store: the store is not read", async () => {
    const store = memoryStore();
    let reads = 0;
    const list = store.keys.list.bind(store.keys);
    store.keys.list = (...a) => (reads++, list(...a));
    for (const env of [{ STRAIT_GATEWAY_TOKENS: "tok" }, { STRAIT_ADMIN_TOKEN: "adm" }] as Record<string, string>[]) {
      const { gateway, lines } = boot(store, env);
      expect(await announceAccess(gateway, "worker")).toBeUndefined();
      expect(lines).toEqual([]);
    }
    expect(reads).toBe(0);
  });

  it("call observers are attached", () => {
    const { log } = recordingLog();
    const observer = () => {};
    const { gateway } = buildGateway(config(), { http: fetchClient, defer: () => {}, log, env: {} }, [observer]);
    expect(gateway.observers).toEqual([observer]);
  });
});
