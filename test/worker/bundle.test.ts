/**
 * The deployable Worker: `wrangler deploy --dry-run` bundles it offline (what `wrangler deploy`
 * would upload), and that exact bundle then serves a streamed chat in workerd (Miniflare), with
 * KV and the StoreObject Durable Object bound as in wrangler.toml and a provider on 127.0.0.1.
 * Part of the main `npm test`; the in-workerd unit and contract tests are `npm run test:worker`.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendStream, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { startWorkerd } from "../helpers/workerd.js";

const ROOT = resolve(import.meta.dirname, "../..");
/**
 * Budgets for the minified bundles: size is cold start. The DynamoDB build carries the AWS SDK.
 * Both carry the price table (core/pricing/dataset.ts, about 72 KiB of plain text, read on first use)
 * and the guardrails (about 32 KiB of detectors and stream guards, 22 KiB of JSON Schema validator),
 * and the dashboard (about 115 KiB, 45 KiB gzip: core/admin/ui/assets.ts, a module evaluated only
 * when /admin/ui is first asked for — `npm run coldstart` shows no change in module init).
 */
const BUDGETS = { "wrangler.toml": 620 * 1024, "wrangler.dynamodb.toml": 880 * 1024 } as const;
const OUTPUTS = { "wrangler.toml": "worker.js", "wrangler.dynamodb.toml": "worker-dynamodb.js" } as const;
type ConfigFile = keyof typeof BUDGETS;
const TOKEN = "bundle-test-token";

let outdir: string;
let upstream: MockUpstream;
let mf: Miniflare;
const dryRunLog: Partial<Record<ConfigFile, string>> = {};

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "strait-worker-"));
  const home = join(ROOT, ".home");
  mkdirSync(home, { recursive: true });
  for (const config of Object.keys(BUDGETS) as ConfigFile[]) {
    const { stdout, stderr } = await promisify(execFile)(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir, "-c", config], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", XDG_CONFIG_HOME: home, CLOUDFLARE_API_TOKEN: "", CI: "true" },
      timeout: 60_000,
    });
    dryRunLog[config] = stdout + stderr;
  }

  // A provider that sends one word every 150 ms: the first word must reach the client long before the last.
  upstream = await startMockUpstream(async (_req, res) => {
    const words = ["one", " two", " three", " four"];
    const chunk = (content: string) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "slow", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    await sendStream(res, [...words.map(chunk), "data: [DONE]\n\n"], { delayMs: 150 });
  });
  mf = startWorkerd(outdir, "worker.js", { token: TOKEN, config: { providers: { slow: { type: "openai-compatible", baseUrl: `${upstream.url}/v1`, apiKeys: ["sk-upstream"] } } } });
  await mf.ready;
}, 90_000);

afterAll(async () => {
  await mf?.dispose();
  await upstream?.close();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe("wrangler deploy --dry-run", () => {
  it("bundles functions/worker.ts with the bindings of wrangler.toml, offline", () => {
    expect(dryRunLog["wrangler.toml"]).toContain("STRAIT_KV");
    expect(dryRunLog["wrangler.toml"]).toContain("STRAIT_OBJECTS (StoreObject)");
    expect(dryRunLog["wrangler.toml"]).toContain("--dry-run: exiting now.");
    expect(dryRunLog["wrangler.dynamodb.toml"]).toContain('STRAIT_STORE ("dynamodb")');
  });

  it.each(Object.keys(BUDGETS) as ConfigFile[])("%s: stays within its bundle budget and needs no Node.js compatibility", (config) => {
    const file = join(outdir, OUTPUTS[config]);
    const code = readFileSync(file);
    const size = statSync(file).size;
    console.log(`[worker bundle ${config}] ${(size / 1024).toFixed(1)} KiB minified, ${(gzipSync(code).length / 1024).toFixed(1)} KiB gzip`);
    expect(size).toBeLessThan(BUDGETS[config]);
    expect(code.toString("utf8")).not.toMatch(/from\s*["']node:/);
  });

  it("leaves the AWS SDK out of the KV build", () => {
    expect(readFileSync(join(outdir, "worker.js"), "utf8")).not.toContain("DynamoDBClient");
    expect(readFileSync(join(outdir, "worker-dynamodb.js"), "utf8")).toContain("DynamoDBClient");
  });
});

describe("the bundle in workerd", () => {
  it("streams a chat from a provider on 127.0.0.1 chunk by chunk, ending with [DONE]", async () => {
    const started = Date.now();
    const res = await mf.dispatchFetch("https://strait.example.workers.dev/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "slow/model", stream: true, messages: [{ role: "user", content: "count" }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    let text = "";
    let firstAt: number | undefined;
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(piece, { stream: true });
      if (firstAt === undefined && text.includes('"one"')) firstAt = Date.now() - started;
    }
    const total = Date.now() - started;
    const data = text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
    expect(data.at(-1)).toBe("[DONE]");
    expect(data.slice(0, -1).map((d) => JSON.parse(d).choices[0].delta.content).join("")).toBe("one two three four");
    // Not buffered: the first word arrived while the provider was still sending the rest (≥ 450 ms more).
    expect(firstAt).toBeDefined();
    expect(total - firstAt!).toBeGreaterThan(300);
  });

  it("refuses a request without the gateway token", async () => {
    const res = await mf.dispatchFetch("https://strait.example.workers.dev/v1/models");
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("missing_api_key");
  });
});
