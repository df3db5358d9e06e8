import { defineConfig } from "vitest/config";

/** `npm test` runs both projects in one run: Node tests, and the Worker inside workerd. */
export default defineConfig({
  test: {
    projects: [
      { test: { name: "node", include: ["test/**/*.test.ts"], testTimeout: 20_000, hookTimeout: 60_000, pool: "forks" } },
      "test/worker/vitest.config.ts",
    ],
  },
});
