import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { clearFaults, OUTAGE_MS, passThroughOutage } from "../support/registry-outage.js";

/**
 * The same outage on the queue path, the local stack's default: the scan worker's Trivy (the stand-in, pulling with
 * the request's token) meets the registry's 503s, the worker posts `registry-unavailable`, and the pipeline submits a
 * new scan request after its backoff, until the registry is back, inside the scan deadline.
 */
describe("queue-path scans survive a registry outage", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ settings: { SCAN_DEADLINE: "PT2M", SCANNER_KIND: "queue" } });
  });
  afterAll(async () => {
    await clearFaults(stack);
    await stack?.stop();
  });

  it("a 30 s registry outage while the worker pulls → Passed within the scan deadline", async () => {
    const run = await passThroughOutage(stack, "team/scan-retry-queue");
    // The worker's failed pulls were what the pipeline retried: its posted failures, by the contract's code (the
    // gate's own token request for the next scan may meet the outage too).
    expect(run.retriesSeen).toBeGreaterThanOrEqual(2);
    expect([...run.errors]).toContain("registry-unavailable");
    console.log(
      `scan-retry (queue): ${run.retriesSeen} failed scans during the ${OUTAGE_MS / 1000} s outage; Passed ${((Date.parse(run.verdict.evaluatedAt) - run.outageEnds) / 1000).toFixed(1)} s after it ended`,
    );
  }, 180_000);
});
