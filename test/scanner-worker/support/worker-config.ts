import type { WorkerConfig } from "../../../scanner-worker/config.js";
import { TRIVY_STANDIN } from "./compiled.js";

/** A worker configuration for tests: Azurite, the stand-in trivy, quick callback retries; overrides on top. */
export function testWorkerConfig(
  connectionString: string,
  scanQueueName: string,
  overrides: Partial<WorkerConfig> = {},
): WorkerConfig {
  return {
    queue: { kind: "connectionString", connectionString },
    scanQueueName,
    poisonQueueName: `${scanQueueName}-poison`,
    mode: "job",
    maxMessages: 1,
    pollIntervalMs: 100,
    scanTimeoutSeconds: 20,
    visibilityTimeoutSeconds: 60,
    maxDequeueCount: 5,
    trivy: { path: TRIVY_STANDIN, serverUrl: undefined, cacheDir: undefined },
    callback: { maxRetries: 2, retryDelayMs: 10, timeoutMs: 5_000 },
    ...overrides,
  };
}
