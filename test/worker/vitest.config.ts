/**
 * `npm run test:worker`: the Worker and its Cloudflare store inside workerd, through
 * @cloudflare/vitest-pool-workers. The Worker is functions/worker.ts with the bindings of
 * wrangler.toml (KV, the StoreObject Durable Object), exactly as deployed.
 */
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./functions/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings: { STRAIT_LOG_LEVEL: "silent" } },
    }),
  ],
  test: {
    include: ["test/worker/workerd/**/*.spec.ts"],
    globalSetup: ["test/worker/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
