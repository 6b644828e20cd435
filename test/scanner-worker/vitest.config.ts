import { defineConfig } from "vitest/config";
import { projectRoot } from "../support/paths.js";

/**
 * Runs test/scanner-worker/** on its own until the root vitest.config.ts has a project for it:
 *   npx vitest run --config test/scanner-worker/vitest.config.ts
 * Same pool, global setup (the local CA) and timeouts as the root configuration.
 */
export default defineConfig({
  root: projectRoot,
  test: {
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    include: ["test/scanner-worker/**/*.test.ts"],
  },
});
