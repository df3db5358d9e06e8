/**
 * The deployable Worker's size, as `wrangler deploy` would upload it: `wrangler deploy --dry-run`
 * bundles it offline (as test/worker/bundle.test.ts does), and the size is that file's, minified.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { ROOT } from "./processes.js";

/** The wrangler configs and the file each dry run writes. */
const OUTPUTS = { "wrangler.toml": "worker.js", "wrangler.dynamodb.toml": "worker-dynamodb.js" } as const;
export type WorkerConfig = keyof typeof OUTPUTS;

export async function workerBundleSize(config: WorkerConfig = "wrangler.toml"): Promise<{ size: number; gzip: number }> {
  const outdir = mkdtempSync(join(tmpdir(), "strait-worker-"));
  const home = join(ROOT, ".home");
  mkdirSync(home, { recursive: true });
  try {
    await promisify(execFile)(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir, "-c", config], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", XDG_CONFIG_HOME: home, CLOUDFLARE_API_TOKEN: "", CI: "true" },
      timeout: 120_000,
    });
    const file = join(outdir, OUTPUTS[config]);
    return { size: statSync(file).size, gzip: gzipSync(readFileSync(file)).length };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
