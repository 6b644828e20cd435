import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { clearFaults, OUTAGE_MS, passThroughOutage } from "../support/registry-outage.js";

/**
 * A registry outage while the scanner pulls: the Harbor scanner (emulator) fails the scan ("registry answered 503"),
 * and the pipeline scans again on durable timers until the registry is back, inside the scan deadline. The outage is
 * the 30 s; the scan deadline is shortened to 2 minutes (SCAN_DEADLINE), which also shortens the retry
 * ceiling to 4 s (a thirtieth of the deadline, SCAN_RETRY), so the image passes a few seconds after the outage ends.
 * (The queue path: scan-retry-queue.test.ts; one stack per test file, as the app's composition root is per process.)
 */
describe("scans survive a registry outage", () => {
  let stack: TestStack;
  beforeAll(async () => {
    // The Harbor path, whose polls the orchestration retries inside the deadline.
    stack = await startTestStack({ scanWorker: false, settings: { SCAN_DEADLINE: "PT2M", SCANNER_KIND: "harbor" } });
  });
  afterAll(async () => {
    await clearFaults(stack);
    await stack?.stop();
  });

  it("a 30 s registry outage during the scan → Passed within the scan deadline", async () => {
    const run = await passThroughOutage(stack, "team/scan-retry");
    const during = stack.scanner.scans().filter((s) => s.artifact.digest === run.digest).length;
    // The outage did hit the scans: several were tried (each new scan request is a new pull) while it lasted.
    expect(during).toBeGreaterThanOrEqual(3);
    // The status said so meanwhile: which attempt failed and why.
    expect(run.retriesSeen).toBeGreaterThanOrEqual(2);
    expect(run.lastError).toMatch(/registry answered 503/);
    expect(run.done.scanRetry).toBeUndefined();
    const timeline = run.done.timeline as Array<{ action: string }>;
    expect(timeline.map((r) => r.action)).toEqual(["released"]);
    console.log(
      `scan-retry: ${during} scan requests during the ${OUTAGE_MS / 1000} s outage; Passed ${((Date.parse(run.verdict.evaluatedAt) - run.outageEnds) / 1000).toFixed(1)} s after it ended`,
    );
  }, 180_000);
});
