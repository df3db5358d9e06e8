/**
 * The pass-through route inside workerd (Miniflare), from the Worker entry bundled with esbuild:
 * the core's pass-through uses Web APIs only, and a native stream arrives incrementally there too.
 */
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRest } from "../helpers/body.js";
import { sendJson, startMockUpstream, type MockUpstream } from "../helpers/mock-upstream.js";
import { startWorkerd } from "../helpers/workerd.js";

const ROOT = resolve(import.meta.dirname, "../..");
const TOKEN = "passthrough-worker-token";
const KEY = "sk-ant-worker-provider-key-0000";

let outdir: string;
let upstream: MockUpstream;
let mf: Miniflare;
let release!: () => void;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "strait-pt-worker-"));
  await build({
    entryPoints: [join(ROOT, "functions/worker.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    outfile: join(outdir, "worker.js"),
    logLevel: "silent",
  });
  upstream = await startMockUpstream(async (req, res) => {
    if (!JSON.parse(req.body).stream) return sendJson(res, 200, { id: "msg_1", usage: { input_tokens: 3, output_tokens: 2 } }, { "request-id": "req_w" });
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}\n\n');
    await new Promise<void>((r) => (release = r));
    res.end('event: message_stop\ndata: {"type":"message_stop"}\n\n');
  });
  mf = startWorkerd(outdir, "worker.js", { token: TOKEN, config: { providers: { anthropic: { baseUrl: upstream.url, apiKeys: [KEY] } } } });
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await upstream?.close();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe("pass-through in workerd", () => {
  it("JSON: body and credential as on Node, the gateway token stays home", async () => {
    const body = '{"model":"claude-haiku-4-5", "max_tokens":8,"messages":[]}';
    const res = await mf.dispatchFetch("http://gateway.local/anthropic/v1/messages", { method: "POST", headers: { "x-api-key": TOKEN, "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get("request-id")).toBe("req_w");
    expect(await res.json()).toEqual({ id: "msg_1", usage: { input_tokens: 3, output_tokens: 2 } });
    const req = upstream.requests.at(-1)!;
    expect(req.body).toBe(body);
    expect(req.headers["x-api-key"]).toBe(KEY);
    expect(JSON.stringify(req.headers)).not.toContain(TOKEN);
  });

  it("a stream's first event arrives before the upstream has finished", async () => {
    const res = await mf.dispatchFetch("http://gateway.local/anthropic/v1/messages", { method: "POST", headers: { "x-api-key": TOKEN, "content-type": "application/json" }, body: '{"stream":true}' });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("message_start");
    release();
    expect(await readRest(reader)).toContain("message_stop");
  });

  it("path tricks are refused there too", async () => {
    const res = await mf.dispatchFetch("http://gateway.local/anthropic/v1/..%2f..%2fadmin", { method: "POST", headers: { "x-api-key": TOKEN }, body: "{}" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_path");
  });
});
