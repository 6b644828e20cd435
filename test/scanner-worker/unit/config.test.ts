import { describe, expect, it } from "vitest";
import { callbackBudgetMs, longestHoldSeconds, readWorkerConfig } from "../../../scanner-worker/config.js";
import { WorkerConfigError } from "../../../scanner-worker/errors.js";

const IDENTITY = { SCAN_QUEUE_ACCOUNT_NAME: "stgate123", AZURE_CLIENT_ID: "c1e00000-0000-4000-8000-000000000001" };

describe("scan worker settings", () => {
  it("defaults: job mode, one request per execution, the poison queue beside the scan queue, managed identity", () => {
    const config = readWorkerConfig(IDENTITY);
    expect(config).toMatchObject({
      queue: {
        kind: "identity",
        serviceUrl: "https://stgate123.queue.core.windows.net",
        clientId: IDENTITY.AZURE_CLIENT_ID,
      },
      scanQueueName: "scan-requests",
      poisonQueueName: "scan-requests-poison",
      mode: "job",
      maxMessages: 1,
      scanTimeoutSeconds: 600,
      maxDequeueCount: 5,
      trivy: { path: "trivy" },
    });
    // The visibility covers the longest the worker can hold a request: 600 s of Trivy, 5 s to kill it, two posts
    // of up to 4 × 60 s plus back-offs of 1 + 2 + 4 s, and 10 s of queue operations.
    expect(config.visibilityTimeoutSeconds).toBe(600 + 5 + 2 * 247 + 10);
    expect(longestHoldSeconds(config)).toBe(config.visibilityTimeoutSeconds);
    expect(callbackBudgetMs(config.callback)).toBe(4 * 60_000 + 1000 + 2000 + 4000);
  });

  it("refuses a visibility timeout shorter than a request can be held: two workers would scan it at once", () => {
    expect(() =>
      readWorkerConfig({ ...IDENTITY, SCAN_TIMEOUT_SECONDS: "600", VISIBILITY_TIMEOUT_SECONDS: "700" }),
    ).toThrow(/VISIBILITY_TIMEOUT_SECONDS \(700\) must be at least 1109/);
    expect(
      readWorkerConfig({ ...IDENTITY, SCAN_TIMEOUT_SECONDS: "600", VISIBILITY_TIMEOUT_SECONDS: "1200" })
        .visibilityTimeoutSeconds,
    ).toBe(1200);
  });

  it("Azurite by connection string, or an account by identity, never both, never neither", () => {
    expect(readWorkerConfig({ SCAN_QUEUE_CONNECTION_STRING: "UseDevelopmentStorage=true" }).queue).toEqual({
      kind: "connectionString",
      connectionString: "UseDevelopmentStorage=true",
    });
    expect(() => readWorkerConfig({ ...IDENTITY, SCAN_QUEUE_CONNECTION_STRING: "x" })).toThrow(/not both/);
    expect(() => readWorkerConfig({})).toThrow(WorkerConfigError);
    expect(() => readWorkerConfig({ SCAN_QUEUE_ACCOUNT_NAME: "Not_An_Account" })).toThrow(/not a storage account/);
    expect(() => readWorkerConfig({ SCAN_QUEUE_SERVICE_URI: "http://stgate.queue.example.net" })).toThrow(/https/);
  });

  it("typed errors for bad values, not guesses", () => {
    const bad = (env: Record<string, string>) => () => readWorkerConfig({ ...IDENTITY, ...env });
    expect(bad({ WORKER_MODE: "forever" })).toThrow(/job or loop/);
    expect(bad({ SCAN_TIMEOUT_SECONDS: "ten" })).toThrow(/whole number/);
    expect(bad({ MAX_DEQUEUE_COUNT: "0" })).toThrow(/between 1 and 100/);
    expect(bad({ SCAN_QUEUE_NAME: "Scan_Requests" })).toThrow(/not a valid queue name/);
    expect(bad({ SCAN_POISON_QUEUE_NAME: "scan-requests" })).toThrow(/must differ/);
    expect(bad({ TRIVY_SERVER_URL: "http://trivy.internal.example.net" })).toThrow(/https/);
    try {
      readWorkerConfig({});
    } catch (error) {
      expect((error as WorkerConfigError).code).toBe("ERR_WORKER_CONFIG");
    }
  });

  it("the Trivy server may be plain HTTP on loopback only (the local stack)", () => {
    expect(readWorkerConfig({ ...IDENTITY, TRIVY_SERVER_URL: "http://127.0.0.1:4954/" }).trivy.serverUrl).toBe(
      "http://127.0.0.1:4954",
    );
  });
});
