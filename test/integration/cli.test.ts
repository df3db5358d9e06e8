/** The `strait` CLI against a running gateway: the real bin (bin/strait.mjs, and npx) and main() in-process. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/index.js";
import { cacheTenantOfKey } from "../../core/store/cache-prefix.js";
import { hourOf } from "../../core/analytics/observer.js";
import { logEntry } from "../store/contract.js";
import { ADMIN_TOKEN, chat, startKeysGateway, type TestGateway } from "./keys-helpers.js";

const exec = promisify(execFile);
let gw: TestGateway;
beforeAll(async () => {
  gw = await startKeysGateway();
});
afterAll(() => gw?.close());

/** Runs the real executable as a user would; never throws, returns exit code and output. */
async function strait(args: string[], env: Record<string, string> = {}, viaNpx = false) {
  const fullEnv = { ...process.env, STRAIT_URL: gw.url, STRAIT_ADMIN_TOKEN: ADMIN_TOKEN, ...env };
  try {
    const { stdout, stderr } = viaNpx ? await exec("npx", ["--offline", "strait", ...args], { env: fullEnv }) : await exec(process.execPath, ["bin/strait.mjs", ...args], { env: fullEnv });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
  }
}

/** main() in this process: same code, no process start-up cost. */
async function run(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { STRAIT_URL: gw.url, STRAIT_ADMIN_TOKEN: ADMIN_TOKEN, ...env }, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

describe("strait CLI", () => {
  it("bin/strait.mjs creates a key that works, and lists it as a table", async () => {
    const created = await strait(["keys", "create", "--name", "bob", "--models", "mock/*,openai/gpt-4o*", "--rpm", "10", "--tpm", "5000", "--budget-usd", "5", "--budget-period", "day", "--expires-at", "2099-01-01T00:00:00Z", "--metadata", "team=ml", "--max-parallel", "3"]);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("shown only once");
    const k = JSON.parse(created.stdout);
    expect(k).toMatchObject({ name: "bob", models: ["mock/*", "openai/gpt-4o*"], rpm: 10, tpm: 5000, maxParallel: 3, budget: { usd: 5, period: "day" }, expiresAt: "2099-01-01T00:00:00.000Z", metadata: { team: "ml" } });
    expect(k.key).toMatch(/^sk-strait-/);
    expect((await chat(gw, k.key)).status).toBe(200);

    const list = await strait(["keys", "list"]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+KEY\s+MODELS\s+RPM\s+TPM\s+BUDGET\s+EXPIRES\s+STATUS$/);
    const row = lines.find((l) => l.startsWith(k.id))!;
    expect(row).toContain("bob");
    expect(row).toContain(k.hint);
    expect(row).toContain("$5/day");
    expect(row).toMatch(/active$/);
    expect(list.stdout).not.toContain(k.key);
  });

  it("npx strait runs the same CLI", async () => {
    const res = await strait(["keys", "list", "--json"], {}, true);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).object).toBe("list");
  });

  it("show, update, rotate, usage and delete", async () => {
    const { stdout } = await run(["keys", "create", "--name", "carol"]);
    const k = JSON.parse(stdout);
    expect((await chat(gw, k.key)).status).toBe(200);

    const shown = await run(["keys", "show", k.id]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: k.id, name: "carol", spend: { day: 0, month: 0, total: 0 } });

    const updated = await run(["keys", "update", k.id, "--rpm", "20", "--disable", "--owner", "team-a"]);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ rpm: 20, disabled: true, owner: "team-a" });
    expect((await chat(gw, k.key)).status).toBe(401);
    const enabled = await run(["keys", "update", k.id, "--enable", "--no-rpm", "--no-owner"]);
    expect(JSON.parse(enabled.stdout)).toMatchObject({ rpm: null, disabled: false, owner: null });
    expect((await chat(gw, k.key)).status).toBe(200);

    const rotated = await run(["keys", "rotate", k.id]);
    expect(rotated.code).toBe(0);
    const fresh = JSON.parse(rotated.stdout).key;
    expect((await chat(gw, k.key)).status).toBe(401);
    expect((await chat(gw, fresh)).status).toBe(200);
    // A cached call, then its hit: one more request with tokens, one more without (counted as CACHED).
    const ttl = { "cf-aig-cache-ttl": "3600" };
    expect((await chat(gw, fresh, "mock/echo", ttl)).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect((await chat(gw, fresh, "mock/echo", ttl)).headers.get("cf-aig-cache-status")).toBe("HIT");

    await new Promise((r) => setTimeout(r, 50));
    const usage = await run(["usage", "--key", k.id]);
    expect(usage.code).toBe(0);
    expect(usage.stdout).toMatch(/^DAY\s+KEY\s+MODEL\s+REQUESTS\s+CACHED\s+TOKENS_IN\s+TOKENS_OUT\s+COST_USD/);
    expect(usage.stdout).toMatch(new RegExp(`${k.id}\\s+mock/echo\\s+5\\s+1\\s+8\\s+16\\s+0`));
    expect(usage.stdout).toMatch(/TOTAL\s+5\s+1\s+8\s+16/);
    const usageJson = JSON.parse((await run(["usage", "--key", k.id, "--json"])).stdout);
    expect(usageJson.data).toEqual([expect.objectContaining({ model: "mock/echo", requests: 5, cacheHits: 1, tokensIn: 8, tokensOut: 16 })]);
    expect(usageJson.totals).toMatchObject({ requests: 5, cacheHits: 1, tokensIn: 8, tokensOut: 16 });

    const deleted = await run(["keys", "delete", k.id]);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: k.id, object: "virtual_key", deleted: true });
    expect((await chat(gw, fresh)).status).toBe(401);
  });

  it("pages through every key with --all", async () => {
    for (let i = 0; i < 3; i++) await run(["keys", "create", "--name", `page-${i}`]);
    const one = JSON.parse((await run(["keys", "list", "--limit", "1", "--json"])).stdout);
    expect(one.data).toHaveLength(1);
    expect(one.nextCursor).toEqual(expect.any(String));
    const all = JSON.parse((await run(["keys", "list", "--limit", "2", "--all", "--json"])).stdout);
    expect(all.data.length).toBeGreaterThanOrEqual(4);
    expect(all.nextCursor).toBeNull();
  });

  it("a key's default cache TTL: --cache-ttl on create and update, --no-cache-ttl clears it", async () => {
    const k = JSON.parse((await run(["keys", "create", "--name", "ttl", "--cache-ttl", "3600"])).stdout);
    expect(k.cacheTtlSeconds).toBe(3600);
    expect(JSON.parse((await run(["keys", "update", k.id, "--cache-ttl", "86400"])).stdout).cacheTtlSeconds).toBe(86400);
    expect(JSON.parse((await run(["keys", "update", k.id, "--no-cache-ttl"])).stdout).cacheTtlSeconds).toBeNull();
    const tooShort = await run(["keys", "update", k.id, "--cache-ttl", "30"]);
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toContain("cacheTtlSeconds': must be at least 60 seconds");
    expect((await run(["keys", "update", k.id, "--cache-ttl", "1h"])).stderr).toContain("--cache-ttl must be a whole number");
    expect((await run(["keys", "create", "--name", "x", "--no-cache-ttl"])).code).toBe(2);
  });

  it("cache purge, for one key or everything", async () => {
    const entry = (tenant: string, n: number) => `${tenant}/${String(n).padStart(64, "0")}`;
    const mine = cacheTenantOfKey("key_cliPurge");
    for (const k of [entry(mine, 1), entry(mine, 2), entry(mine, 3), entry("token-0", 1)]) await gw.store.cache.put(k, "answer", 600);

    const one = await strait(["cache", "purge", "--key", "key_cliPurge"]);
    expect(one).toMatchObject({ code: 0, stdout: "Deleted 3 cache entries.\n" });
    expect(await gw.store.cache.get(entry("token-0", 1))).toBe("answer");
    expect((await run(["cache", "purge", "--key", "key_cliPurge"])).stdout).toBe("Deleted 0 cache entries.\n");

    await gw.store.cache.purge();
    await gw.store.cache.put(entry("token-0", 2), "answer", 600);
    expect((await run(["cache", "purge"])).stdout).toBe("Deleted 1 cache entry.\n");
    expect(JSON.parse((await run(["cache", "purge", "--json"])).stdout)).toEqual({ object: "cache.purge", deleted: 0 });

    const unknown = await run(["cache", "purge", "--key", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No virtual key with id "nope"');
    expect((await run(["cache"])).stderr).toContain("Missing command after cache: purge.");
    expect((await run(["cache", "clear"])).code).toBe(2);
    expect((await run(["cache", "purge", "key_cliPurge"])).stderr).toContain("--key ID");
  });

  it("logs list, show and feedback; analytics as a table", async () => {
    const created = JSON.parse((await strait(["keys", "create", "--name", "logged"])).stdout);
    const res = await chat(gw, created.key);
    const id = res.headers.get("cf-aig-log-id")!;
    await gw.settled();
    const list = await run(["logs", "list", "--key", created.id]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^TIME\s+ID\s+KEY\s+ROUTE/);
    expect(list.stdout).toContain(id);
    const shown = await run(["logs", "show", id]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, key: created.id, status: 200 });
    const fed = await run(["logs", "feedback", id, "--feedback", "1", "--score", "75"]);
    expect(JSON.parse(fed.stdout)).toMatchObject({ feedback: 1, score: 75 });
    expect((await run(["logs", "feedback", id])).code).toBe(2);
    expect((await run(["logs", "show", "01JUNKJUNKJUNKJUNKJUNKJUNK"])).code).toBe(1);
    const analytics = await run(["analytics", "--group-by", "key", "--key", created.id]);
    expect(analytics.stdout).toMatch(/^KEY\s+REQUESTS/);
    expect(analytics.stdout).toContain(created.id);
    expect((await run(["analytics", "--group-by", "nonsense"])).code).toBe(1);
  });

  it("logs list --guardrail; analytics add a GUARDRAILS column only when a guardrail acted", async () => {
    const keyId = `key_clig${Date.now()}`;
    const flagged = logEntry(Date.now() - 1, { keyId, guardrails: [{ policy: "pii", rule: "emails", stage: "input", action: "flag", count: 1 }] });
    const plain = logEntry(Date.now(), { keyId });
    await gw.store.logs!.put([flagged, plain]);
    const list = await run(["logs", "list", "--key", keyId, "--guardrail", "flag", "--json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).data.map((e: { id: string }) => e.id)).toEqual([flagged.id]);
    expect((await run(["logs", "list", "--key", keyId, "--guardrail", "pii"])).stdout).toContain(flagged.id);
    expect((await run(["logs", "list", "--key", keyId, "--guardrail", "block"])).stdout.trim()).toBe("No log entries.");

    const quiet = await run(["analytics", "--group-by", "key", "--key", keyId]);
    expect(quiet.stdout).not.toContain("GUARDRAILS");
    const row = { hour: hourOf(Date.now()), keyId, provider: "p", model: "m", requests: 1, errors4xx: 0, errors5xx: 0, cacheHits: 0, tokensIn: 0, tokensOut: 0, tokensCached: 0, costMicros: 0, latency: {}, ttfb: {} };
    await gw.store.analytics!.add({ ...row, guardrails: { "pii:flag": 1, "pii:block": 2 } });
    await gw.store.analytics!.add({ ...row, model: "other" });
    const shown = await run(["analytics", "--group-by", "model", "--key", keyId]);
    const lines = shown.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/TTFB_P50_MS\s+GUARDRAILS$/);
    expect(lines.find((l) => l.startsWith("p/m "))).toMatch(/\spii:block=2,pii:flag=1$/);
    expect(lines.find((l) => l.startsWith("p/other "))).toMatch(/\s-$/);
    expect(lines.find((l) => l.startsWith("TOTAL"))).toMatch(/\spii:block=2,pii:flag=1$/);
  });

  it("clear errors and exit codes", async () => {
    const wrong = await run(["keys", "list"], { STRAIT_ADMIN_TOKEN: "wrong" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("The admin token is not valid. (HTTP 401, invalid_admin_token)");

    const missing = await run(["keys", "show", "key_nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No virtual key with id "key_nope"');

    const invalid = await run(["keys", "create", "--name", "x", "--expires-at", "yesterday"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("expiresAt");

    expect((await run(["keys", "list"], { STRAIT_ADMIN_TOKEN: undefined })).code).toBe(2);
    expect((await run(["keys", "create"])).stderr).toContain("needs --name");
    expect((await run(["keys", "create", "--name", "x", "--rpm", "ten"])).stderr).toContain("--rpm must be a whole number");
    expect((await run(["keys", "create", "--name", "x", "--no-budget"])).code).toBe(2);
    expect((await run(["keys", "frobnicate"])).code).toBe(2);
    expect((await run(["keys", "list", "--colour"])).code).toBe(2);
    expect((await run(["keys", "update", "key_x"])).stderr).toContain("Nothing to update");
    expect((await run(["keys", "create", "--name", "x", "--credential", "openai"])).stderr).not.toContain("openai=");

    const down = await run(["keys", "list"], { STRAIT_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain("Could not reach the gateway at http://127.0.0.1:9");

    const real = await strait(["keys", "list"], { STRAIT_ADMIN_TOKEN: "wrong" });
    expect(real.code).toBe(1);
    const help = await run(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("strait keys create");
    expect(help.stdout).toContain("strait cache purge [--key ID]");
    expect(help.stdout).toContain("--cache-ttl SECONDS");
  });
});
