/**
 * `npx cdk synth` as a user runs it: cdk.json → tsx infra/app.ts, the function's folder built by the
 * local esbuild, offline and without AWS credentials. CDK_HOME points into the ignored .home/.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildTarget, loadedAtInit } from "../../scripts/build.mjs";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const out = join(root, ".home/cdk-out-test");

describe("npx cdk synth", () => {
  let template: any;
  let assetDir: string;

  beforeAll(async () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(join(root, ".home/cdk"), { recursive: true });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: join(root, ".home"),
      CDK_HOME: join(root, ".home/cdk"),
      CDK_DISABLE_VERSION_CHECK: "true",
      CDK_DISABLE_CLI_TELEMETRY: "true",
    };
    await run(join(root, "node_modules/.bin/cdk"), ["synth", "--quiet", "--no-notices", "-o", out, "-c", "tablePrefix=strait-test-", "-c", "memorySize=2048"], { cwd: root, env, timeout: 170_000 });
    template = JSON.parse(readFileSync(join(out, "Strait.template.json"), "utf8"));
    const fn = Object.values<any>(template.Resources).find((r) => r.Type === "AWS::Lambda::Function");
    assetDir = join(out, fn.Metadata["aws:asset:path"]);
  }, 180_000);

  it("writes the template with context applied", () => {
    const tables = Object.values<any>(template.Resources).filter((r) => r.Type === "AWS::DynamoDB::Table").map((r) => r.Properties.TableName);
    expect(tables.sort()).toEqual(["strait-test-cache", "strait-test-keys", "strait-test-limits", "strait-test-logs", "strait-test-responses", "strait-test-usage"]);
    const fn = Object.values<any>(template.Resources).find((r) => r.Type === "AWS::Lambda::Function");
    expect(fn.Properties.MemorySize).toBe(2048);
    expect(fn.Properties.Timeout).toBe(900);
    expect(template.Outputs.OpenAIBaseUrl).toBeDefined();
  });

  it("builds the function's folder with the local esbuild: index.mjs and its chunks, all ESM", () => {
    expect(readdirSync(assetDir).sort()).toEqual(["chunks", "index.mjs"]);
    const chunks = readdirSync(join(assetDir, "chunks"));
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c).toMatch(/\.mjs$/);
    for (const f of ["index.mjs", ...chunks.map((c) => `chunks/${c}`)]) expect(readFileSync(join(assetDir, f), "utf8"), f).not.toContain("aws-lambda-ric");
  });

  it("is what `npm run build` builds, byte for byte: one set of esbuild options", async () => {
    const entry = await buildTarget("lambda", { outfile: join(root, "dist/test-synth-lambda/index.mjs") });
    const built = join(entry, "..");
    expect(readdirSync(join(assetDir, "chunks")).sort()).toEqual(readdirSync(join(built, "chunks")).sort());
    expect(readFileSync(join(assetDir, "index.mjs"))).toEqual(readFileSync(entry));
  }, 60_000);

  it("loads at init at most 584 KB: index.mjs and the chunks it imports statically", () => {
    const init = loadedAtInit(join(assetDir, "index.mjs"));
    const bytes = init.reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeLessThanOrEqual(584 * 1024);
    expect(init.length).toBeLessThan(readdirSync(join(assetDir, "chunks")).length);
  });

  it("exports both handlers when loaded in a fresh Node with the runtime's global, as Lambda would", async () => {
    const file = join(assetDir, "index.mjs");
    const probe = `globalThis.awslambda={streamifyResponse:(h)=>(h.streaming=true,h),HttpResponseStream:{from:(s)=>s}};const m=await import(${JSON.stringify(file)});console.log(JSON.stringify({stream:typeof m.streamHandler,streaming:m.streamHandler.streaming===true,buffered:typeof m.handler}))`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], { cwd: root, env: { PATH: process.env.PATH ?? "" } });
    expect(JSON.parse(stdout)).toEqual({ stream: "function", streaming: true, buffered: "function" });
  });
});
