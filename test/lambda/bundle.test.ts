/**
 * The Lambda build (scripts/build.mjs): index.mjs and chunks/, and what module init loads of it.
 * What sits behind a dynamic import() — SDK clients, the dashboard, the price list, the signer,
 * validators — must stay out of init: checked against esbuild's metafile, and by starting the
 * function with those chunks deleted.
 */
import { execFile } from "node:child_process";
import { cpSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { builtFiles, buildTarget, loadedAtInit } from "../../scripts/build.mjs";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const dir = join(root, "dist/test-lambda-bundle");

interface Metafile {
  outputs: Record<string, { bytes: number; imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
}

/** What must load only on first use: the modules behind the function's dynamic imports. */
const LAZY = [
  /core\/admin\/ui\/assets\.ts$/,
  /core\/pricing\/dataset\.ts$/,
  /core\/store\/dynamodb\//,
  /@aws-sdk\/client-dynamodb\//,
  /@aws-sdk\/client-secrets-manager\//,
  /@aws-sdk\/credential-provider-node\//,
  /@smithy\/signature-v4\//,
  /@smithy\/eventstream-codec\//,
  /@cfworker\/json-schema\//,
];

let entry: string;
let meta: Metafile;

beforeAll(async () => {
  entry = await buildTarget("lambda", { outfile: join(dir, "index.mjs"), metafile: true });
  meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
}, 60_000);

/** The files esbuild says index.mjs imports statically, transitively (paths relative to the repo). */
function staticClosure(): Set<string> {
  const files = new Set([relative(root, entry)]);
  for (const f of files) for (const i of meta.outputs[f]!.imports) if (i.kind === "import-statement" && !i.external) files.add(i.path);
  return files;
}

describe("the Lambda build", () => {
  it("is index.mjs and its chunks, every file ESM by its extension (.mjs), rebuilt without stale chunks", async () => {
    expect(readdirSync(dir).sort()).toEqual(["chunks", "index.mjs", "meta.json"]);
    const files = builtFiles(entry);
    for (const f of files) expect(f).toMatch(/\.mjs$/);
    expect(files.map((f) => relative(root, f)).sort()).toEqual(Object.keys(meta.outputs).sort());
    await buildTarget("lambda", { outfile: join(dir, "index.mjs") });
    expect(builtFiles(entry).sort()).toEqual(files.sort());
  }, 60_000);

  it("loadedAtInit: exactly the chunks esbuild says index.mjs imports statically", () => {
    expect(new Set(loadedAtInit(entry).map((f) => relative(root, f)))).toEqual(staticClosure());
  });

  it("what loads at init is at most 584 KB and holds none of the modules loaded on first use", () => {
    const init = staticClosure();
    const bytes = [...init].reduce((n, f) => n + meta.outputs[f]!.bytes, 0);
    expect(bytes).toBeLessThanOrEqual(584 * 1024);
    const inputs = [...init].flatMap((f) => Object.keys(meta.outputs[f]!.inputs));
    for (const lazy of LAZY) expect(inputs.filter((i) => lazy.test(i)), String(lazy)).toEqual([]);
    // …and they are in the build, behind dynamic imports.
    const all = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    for (const lazy of LAZY) expect(all.some((i) => lazy.test(i)), String(lazy)).toBe(true);
  });

  it("starts and answers a streamed chat with every chunk not loaded at init deleted", async () => {
    const copy = join(root, "dist/test-lambda-bundle-init-only");
    rmSync(copy, { recursive: true, force: true });
    cpSync(dir, copy, { recursive: true });
    const keep = new Set(loadedAtInit(join(copy, "index.mjs")));
    for (const f of builtFiles(join(copy, "index.mjs"))) if (!keep.has(f)) rmSync(f);
    expect(readdirSync(join(copy, "chunks")).length).toBeLessThan(readdirSync(join(dir, "chunks")).length);

    const probe = `globalThis.awslambda={streamifyResponse:(h)=>h,HttpResponseStream:{from:(s)=>s}};
const {Writable}=await import("node:stream");
const m=await import(${JSON.stringify(join(copy, "index.mjs"))});
const chunks=[];const out=new Writable({write(c,e,cb){chunks.push(c);cb()}});
const event={version:"2.0",rawPath:"/v1/chat/completions",rawQueryString:"",headers:{"content-type":"application/json",authorization:"Bearer bundle-test-token-0123456789"},requestContext:{http:{method:"POST"}},isBase64Encoded:false,body:JSON.stringify({model:"mock/echo",stream:true,messages:[{role:"user",content:"hi"}]})};
await m.streamHandler(event,out,{getRemainingTimeInMillis:()=>60000});
const ui=await m.handler({...event,rawPath:"/admin/ui",requestContext:{http:{method:"GET"}},body:""},{});
console.log(JSON.stringify({chat:Buffer.concat(chunks).toString(),ui:ui.statusCode}));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", STRAIT_GATEWAY_TOKENS: "bundle-test-token-0123456789", STRAIT_LOG_LEVEL: "silent" },
    });
    const { chat, ui } = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(chat).toContain('"object":"chat.completion.chunk"');
    expect(chat).toContain("data: [DONE]");
    // The dashboard's chunk is gone: only its first request notices.
    expect(ui).toBe(500);
  }, 30_000);

  it("the dashboard, from the whole build, loads on its first request", async () => {
    const probe = `globalThis.awslambda={streamifyResponse:(h)=>h,HttpResponseStream:{from:(s)=>s}};
const m=await import(${JSON.stringify(entry)});
const ev=(p)=>({version:"2.0",rawPath:p,rawQueryString:"",headers:{},requestContext:{http:{method:"GET"}},isBase64Encoded:false});
const a=await m.handler(ev("/admin/ui"),{});const b=await m.handler(ev("/admin/ui/"),{});
console.log(JSON.stringify([a.statusCode,b.statusCode,a.body===b.body,a.body.includes("<title>Strait admin</title>")]));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", STRAIT_GATEWAY_TOKENS: "bundle-test-token-0123456789", STRAIT_LOG_LEVEL: "silent" },
    });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual([200, 200, true, true]);
  });
});
