// `npm run build`: the deployable bundles, built with esbuild's JS API.
//   lambda  functions/lambda.ts → dist/lambda/index.mjs + dist/lambda/chunks/*.mjs  (ESM, Node 22,
//           for the Lambda runtime; split, so what a request may never need loads on first use)
//   worker  functions/worker.ts → dist/worker/index.js   (ESM, workerd)
// Worker engineer: the `worker` target below is yours to tune (conditions, externals, defines);
// keep its output path, which bench/coldstart.ts and CI read. The AWS side owns the rest of this file.
//
//   node scripts/build.mjs                 both targets
//   node scripts/build.mjs lambda          one target
//   node scripts/build.mjs --metafile      also writes dist/<target>/meta.json (what takes the bytes)
//   STRAIT_SDK=external node scripts/build.mjs lambda   leave @aws-sdk/* to the Lambda runtime's copy
import { build } from "esbuild";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// Bundled ESM still meets CommonJS dependencies that call require() for Node built-ins.
const requireShim = "import { createRequire as __straitRequire } from 'node:module'; const require = __straitRequire(import.meta.url);";

/** What the two deployable bundles (lambda, worker) have in common: one minified ESM file, no source map. */
const deployable = {
  format: "esm",
  bundle: true,
  minify: true,
  treeShaking: true,
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
};

/**
 * The Lambda function as a folder: index.mjs (the handler module) and chunks/, the modules it imports
 * on first use (Secrets Manager, the DynamoDB store and its SDK, the dashboard, the price list …), so
 * module init parses only what every request needs. infra/gateway-stack.ts deploys this same build.
 */
export const lambdaOptions = (sdk = process.env.STRAIT_SDK ?? "bundled") => ({
  ...deployable,
  entryPoints: [join(root, "functions/lambda.ts")],
  outdir: join(root, "dist/lambda"),
  splitting: true,
  entryNames: "index",
  chunkNames: "chunks/[name]-[hash]",
  // .mjs: the runtime reads a .js file as CommonJS unless a package.json beside it says otherwise.
  outExtension: { ".js": ".mjs" },
  platform: "node",
  target: "node22",
  // Several AWS SDK packages ship an ESM build under "module"; prefer it, it tree-shakes.
  mainFields: ["module", "main"],
  banner: { js: requireShim },
  // aws-lambda-ric only provides the runtime in tests; never part of the function.
  // "external": the SDK clients come from the runtime's copy (their @smithy deps with them); the
  // @smithy packages the core imports directly (SigV4, event-stream) stay bundled at our versions.
  external: ["aws-lambda-ric", ...(sdk === "external" ? ["@aws-sdk/*"] : [])],
});

export const workerOptions = () => ({
  ...deployable,
  entryPoints: [join(root, "functions/worker.ts")],
  outfile: join(root, "dist/worker/index.js"),
  // "browser", not "neutral": only then does esbuild honour package.json "browser" maps, which
  // swap the AWS SDK's Node runtime config (node-http-handler, IMDS, ini files) for its fetch one.
  platform: "browser",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["workerd", "worker", "browser", "module", "main"],
  external: ["cloudflare:*", "node:*"],
});

/**
 * `npm start` runs this bundle rather than the TypeScript through tsx: the same code without a
 * loader, and without the per-closure name wrappers tsx adds (measurable on the request path).
 * Dependencies stay in node_modules.
 */
export const nodeOptions = () => ({
  entryPoints: [join(root, "functions/node.ts")],
  outfile: join(root, "dist/node/index.mjs"),
  platform: "node",
  target: "node20",
  format: "esm",
  bundle: true,
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});

const targets = { lambda: lambdaOptions, worker: workerOptions, node: nodeOptions };

/**
 * Builds a target; returns the entry file's path. `entry` / `outfile` build another entry with a
 * target's options (tests bundle fixtures this way); for the split Lambda build `outfile` names the
 * entry file, and its chunks go in a chunks/ folder beside it, emptied first.
 */
export async function buildTarget(name, { metafile = false, sdk, entry, outfile } = {}) {
  const options = name === "lambda" ? lambdaOptions(sdk) : targets[name]();
  if (entry) options.entryPoints = [entry];
  if (outfile && options.outdir) {
    options.outdir = dirname(outfile);
    options.entryNames = basename(outfile, ".mjs");
  } else if (outfile) options.outfile = outfile;
  if (!existsSync(options.entryPoints[0])) throw new Error(`${name}: ${options.entryPoints[0]} does not exist yet`);
  const dir = options.outdir ?? dirname(options.outfile);
  if (options.splitting) await rm(join(dir, "chunks"), { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const result = await build({ ...options, metafile });
  if (metafile) await writeFile(join(dir, "meta.json"), JSON.stringify(result.metafile));
  return options.outfile ?? join(dir, `${options.entryNames}.mjs`);
}

/**
 * What importing a built module loads before its code runs: the file itself and, transitively, the
 * chunks it imports statically — not those behind a dynamic import(), which load on first use.
 */
export function loadedAtInit(entry) {
  const files = new Set([entry]);
  for (const file of files) {
    for (const m of readFileSync(file, "utf8").matchAll(/(?:\bfrom|\bimport)\s*["'](\.\.?\/[^"']+)["']/g)) files.add(join(dirname(file), m[1]));
  }
  return [...files];
}

/** Every JavaScript file a build wrote beside `entry` (the entry and all its chunks). */
export function builtFiles(entry) {
  const dir = dirname(entry);
  const chunks = existsSync(join(dir, "chunks")) ? readdirSync(join(dir, "chunks")).map((f) => join(dir, "chunks", f)) : [];
  return [entry, ...chunks].filter((f) => /\.m?js$/.test(f));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith("--"));
  const metafile = args.includes("--metafile");
  let failed = false;
  for (const name of names.length ? names : Object.keys(targets)) {
    if (!(name in targets)) {
      console.error(`unknown target "${name}" (known: ${Object.keys(targets).join(", ")})`);
      process.exit(2);
    }
    try {
      const out = await buildTarget(name, { metafile });
      console.log(`built ${name}: ${out.slice(root.length + 1)}`);
    } catch (e) {
      failed = true;
      console.error(`build ${name} failed: ${e.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
