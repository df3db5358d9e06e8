/**
 * `npm run test:worker`: the Worker and its Cloudflare store inside workerd, through
 * @cloudflare/vitest-pool-workers. The Worker is functions/worker.ts with the bindings of
 * wrangler.toml (KV, the StoreObject Durable Object), exactly as deployed.
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export default defineConfig({
  // The repository root, so this config works alone (npm run test:worker) and as a project of the root config (npm test).
  root: repoRoot,
  plugins: [
    cloudflareTest({
      main: "./functions/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings: { STRAIT_LOG_LEVEL: "silent" } },
    }),
  ],
  test: {
    name: "workerd",
    root: repoRoot,
    include: ["test/worker/workerd/**/*.spec.ts"],
    globalSetup: ["test/worker/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
