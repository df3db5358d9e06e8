/**
 * `npm run coldstart`: what a cold start costs, per deployable bundle.
 *   size       what module init loads, minified, raw and gzipped: the entry file and the chunks it
 *              imports statically (the Lambda build is split; the Worker is one file)
 *   whole      every file of the build: the chunks loaded on first use too (what is deployed)
 *   init       module initialisation: a fresh `node` process importing the entry (median of N)
 *   first call Lambda only: init + the first request through streamHandler, which builds config,
 *              store client and app (what a cold invocation adds before the first byte)
 * The Lambda bundle is measured twice: AWS SDK bundled (the default) and external (left to the
 * runtime's copy, here resolved from node_modules, which is how the runtime loads it too).
 *
 *   npx tsx bench/coldstart.ts [--runs 7] [--write]   --write updates docs/performance.md's table
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { loadavg } from "node:os";
import { builtFiles, buildTarget, loadedAtInit } from "../scripts/build.mjs";
import { atRevision, isMain } from "./processes.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf("--runs") + 1]) || 7;
const WRITE = args.includes("--write");

const AWSLAMBDA_STUB = "globalThis.awslambda={streamifyResponse:(h)=>h,HttpResponseStream:{from:(s,p)=>{s.prelude=p;return s}}};";

/** Milliseconds from before the import to after it, measured inside a fresh process. */
const initProbe = (file: string, stub: string) =>
  `${stub}const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write("@@"+(performance.now()-t));`;

/**
 * Import, then one chat request through the streaming handler into a Writable, as the first invoke
 * does; the clock stops when the response stream ends (deferred work after it is not counted).
 */
const firstCallProbe = (file: string) => `${AWSLAMBDA_STUB}
const {Writable}=await import("node:stream");
const t=performance.now();
const m=await import(${JSON.stringify(file)});
let ended=0;
const chunks=[];const out=new Writable({write(c,e,cb){chunks.push(c);cb()},final(cb){ended=performance.now();cb()}});
const event={version:"2.0",rawPath:"/v1/chat/completions",rawQueryString:"",headers:{"content-type":"application/json",authorization:"Bearer coldstart-token-0123456789"},requestContext:{http:{method:"POST"}},isBase64Encoded:false,body:JSON.stringify({model:"mock/echo",stream:true,messages:[{role:"user",content:"hi"}]})};
await m.streamHandler(event,out,{getRemainingTimeInMillis:()=>60000});
if(!Buffer.concat(chunks).toString().includes("[DONE]"))throw new Error("no answer: "+Buffer.concat(chunks).toString().slice(0,300));
process.stdout.write("@@"+(ended-t));`;

/** As deployed: the DynamoDB store is built (its SDK loaded); its endpoint is a closed local port. */
const FIRST_CALL_ENV = {
  STRAIT_GATEWAY_TOKENS: "coldstart-token-0123456789",
  STRAIT_STORE: "dynamodb",
  STRAIT_DYNAMODB_ENDPOINT: "http://127.0.0.1:9",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIDCOLDSTART",
  AWS_SECRET_ACCESS_KEY: "coldstart",
  STRAIT_LOG_LEVEL: "silent",
};

/** What a probe measured, in a fresh process. */
async function timeOnce(code: string, env: Record<string, string> = {}): Promise<number> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], { cwd: root, env: { PATH: process.env.PATH ?? "", ...env } });
  const m = /@@([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`probe printed no time: ${stdout.slice(0, 300)}`);
  return Number(m[1]);
}

const middle = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

async function median(code: string, env: Record<string, string> = {}, runs = RUNS): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeOnce(code, env));
  return middle(times);
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;

export interface Row {
  bundle: string;
  file: string;
  /** Minified bytes module init loads: the entry and the chunks it imports statically. */
  size: number;
  /** The same, each file gzipped. */
  gzip: number;
  /** Minified bytes of the whole build: the entry and every chunk. */
  whole: number;
  init: number;
  firstCall?: number;
}

const bytesOf = (files: string[]) => files.reduce((n, f) => n + statSync(f).size, 0);

/** A bundle's size at init (raw, gzipped) and whole, its median module init and, with `firstCall`, its first streamed request. */
export async function measure(bundle: string, file: string, opts: { lambda: boolean; firstCall?: boolean; runs?: number }): Promise<Row> {
  const atInit = loadedAtInit(file);
  const runs = opts.runs ?? RUNS;
  const row: Row = {
    bundle,
    file: file.slice(root.length + 1),
    size: bytesOf(atInit),
    gzip: atInit.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0),
    whole: bytesOf(builtFiles(file)),
    init: await median(initProbe(file, opts.lambda ? AWSLAMBDA_STUB : ""), {}, runs),
  };
  if (opts.lambda && opts.firstCall !== false) row.firstCall = await median(firstCallProbe(file), FIRST_CALL_ENV, runs);
  return row;
}

/** The default Lambda bundle (AWS SDK bundled), built afresh: its sizes and median module init of `runs`. */
export async function lambdaColdStart(runs: number): Promise<Row> {
  return measure("Lambda (AWS SDK bundled, the default)", await buildTarget("lambda", { sdk: "bundled" }), { lambda: true, firstCall: false, runs });
}

/** The revision whose one-file Lambda bundle (584 KB) the module-init target was measured on. */
export const INIT_BASELINE_REV = "2233849";

export interface InitComparison {
  rev: string;
  runs: number;
  /** The baseline bundle's size, bytes. */
  baselineSize: number;
  /** Median module init, ms, of the baseline and of `file`, in alternating fresh processes. */
  baseline: number;
  now: number;
}

/**
 * Module init of `file` against the Lambda bundle of an earlier revision, built by that revision's
 * own build script in a temporary git worktree (this checkout's node_modules linked in), the two
 * imported in turn by fresh processes: a ratio that holds on a machine whose absolute times move
 * with its load. Undefined where the revision is not in this clone's history.
 */
export async function initAgainst(file: string, runs: number, rev = INIT_BASELINE_REV): Promise<InitComparison | undefined> {
  return atRevision(rev, async (dir) => {
    await run(process.execPath, ["scripts/build.mjs", "lambda"], { cwd: dir });
    const old = join(dir, "dist/lambda/index.mjs");
    const times = { baseline: [] as number[], now: [] as number[] };
    for (let i = 0; i < runs; i++) {
      times.baseline.push(await timeOnce(initProbe(old, AWSLAMBDA_STUB)));
      times.now.push(await timeOnce(initProbe(file, AWSLAMBDA_STUB)));
    }
    return { rev, runs, baselineSize: statSync(old).size, baseline: middle(times.baseline), now: middle(times.now) };
  });
}

async function main() {
  const rows: Row[] = [];
  const lambdaBundled = await buildTarget("lambda", { sdk: "bundled" });
  rows.push(await measure("Lambda (AWS SDK bundled, the default)", lambdaBundled, { lambda: true }));
  const lambdaExternal = await buildTarget("lambda", { sdk: "external", outfile: join(root, "dist/lambda-sdk-external/index.mjs") });
  rows.push(await measure("Lambda (AWS SDK external)", lambdaExternal, { lambda: true }));
  try {
    rows.push(await measure("Worker", await buildTarget("worker"), { lambda: false }));
  } catch (e) {
    console.error(`worker: ${(e as Error).message}`);
  }

  const table = [
    `| bundle | loaded at init, minified | gzipped | whole build, minified | module init (median of ${RUNS}) | init + first streamed request (median of ${RUNS}) |`,
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.bundle} | ${kb(r.size)} | ${kb(r.gzip)} | ${kb(r.whole)} | ${ms(r.init)} | ${r.firstCall === undefined ? "—" : ms(r.firstCall)} |`),
  ].join("\n");

  const when = new Date().toISOString().slice(0, 10);
  const note = `Measured ${when} with \`npm run coldstart\` on Node ${process.version}, ${process.arch}, a shared 2-core machine, load average ${loadavg()[0]!.toFixed(1)} (no Lambda involved: a fresh \`node\` process per run; absolute times on Lambda differ, the comparison holds).`;
  console.log(table);
  console.log();
  console.log(note);

  if (WRITE) {
    const path = join(root, "docs", "performance.md");
    const doc = readFileSync(path, "utf8");
    const start = "<!-- coldstart:start -->";
    const end = "<!-- coldstart:end -->";
    const i = doc.indexOf(start);
    const j = doc.indexOf(end);
    if (i < 0 || j < i) throw new Error(`${path} has no ${start} … ${end} block`);
    writeFileSync(path, `${doc.slice(0, i + start.length)}\n${table}\n\n${note}\n${doc.slice(j)}`);
    console.log(`\nwrote ${path}`);
  }
}

if (isMain(import.meta.url)) await main();
