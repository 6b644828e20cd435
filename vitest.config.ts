import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Tests spawn real processes (docker-registry, skopeo, Azurite); two cores is the machine, so keep it modest.
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "integration",
          include: [
            "test/integration/**/*.test.ts",
            "test/e2e/**/*.test.ts",
            "test/infra/**/*.test.ts",
            "test/package/**/*.test.ts",
            "test/conformance/**/*.test.ts",
            "test/live/**/*.test.ts",
            "test/browser/**/*.test.ts",
          ],
        },
      },
      // The scan worker: unit tests, Azurite + ACR emulator tests, its infra and the local stack end to end.
      { extends: true, test: { name: "scanner-worker", include: ["test/scanner-worker/**/*.test.ts"] } },
    ],
  },
});
