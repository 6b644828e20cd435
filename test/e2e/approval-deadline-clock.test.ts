import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceHostClock, readHostClock, waitForDurableTimer } from "../support/host-clock.js";
import { startTestStack, type TestStack } from "../support/local-stack.js";
import { buildOciImage } from "../support/oci-image.js";
import { freshTempDir } from "../support/paths.js";
import { inspectRaw, push } from "../support/skopeo.js";

const HOUR_MS = 60 * 60 * 1000;
/** Past the deadline's settle grace (SETTLE_GRACE_MS, 5 s, in src/pipeline/orchestration/quarantine-pipeline.ts). */
const PAST_GRACE_MS = 60_000;
/** Bounded: what the pipeline does once its timer fired (an activity, notifications, the status) takes seconds. */
const PROMPTLY_MS = 30_000;

/**
 * The real app's approval deadline as deployed (APPROVAL_DEADLINE P1D, the stack's), reached without waiting a day:
 * the stack runs the devhost with the adjustable clock and the test moves it forward (docs/local-stack.md, "The
 * devhost's adjustable clock"). Each reminder comes when the clock passes 50 % and 90 % of the day, and the deadline
 * decides (Failed, by the gate) when it passes the day; nothing is released.
 */
describe("approval deadline of a day, on the devhost's adjustable clock", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ adjustableClock: true });
  });
  afterAll(async () => stack?.stop());

  const reminders = (subject: string): number[] =>
    stack.notifyReceiver.deliveries
      .filter((d) => d.sink === "webhook")
      .map((d) => d.body as { subject?: string; type: string; data?: { percent?: number } })
      .filter((body) => body.subject === subject && body.type.endsWith("approval.reminder"))
      .map((body) => Number(body.data?.percent));

  /** Moves the host clock to `at` (host time; `at` is ahead of it). */
  async function advanceTo(at: number): Promise<void> {
    await advanceHostClock(stack, at - Date.parse((await readHostClock(stack)).now));
  }

  it("reminds at 50 % and 90 % of the day and fails at the deadline, in seconds of real time", async () => {
    const image = await buildOciImage(freshTempDir("img"));
    const repository = "team/risky-a-day";
    const pushed = await push(image.layoutRef, `${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: stack.pushCreds,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const reference = `${stack.acr.loginServer}/${repository}@${image.manifestDigest}`;
    const subject = `${repository}@${image.manifestDigest}`;
    const waiting = await stack.waitForStatus(reference, (b) => b.stage === "awaiting-approval");
    const deadline = Date.parse(String(waiting.approvalDeadline));
    expect(deadline - Date.parse((await readHostClock(stack)).now)).toBeGreaterThan(23 * HOUR_MS);
    // The pipeline computes its reminders when it starts to wait: move the clock only once it waits on the deadline.
    await waitForDurableTimer(stack, String(waiting.instanceId), (fireAt) => fireAt.getTime() >= deadline);
    const started = Date.now();

    // Past half the day (the 50 % reminder is due, the 90 % one is not): one reminder, still waiting.
    await advanceTo(deadline - 6 * HOUR_MS);
    await expect.poll(() => reminders(subject), { timeout: PROMPTLY_MS, interval: 200 }).toEqual([50]);
    // Past 90 % (2.4 h before the deadline), before the deadline: the second reminder, still waiting.
    await advanceTo(deadline - HOUR_MS);
    await expect.poll(() => reminders(subject), { timeout: PROMPTLY_MS, interval: 200 }).toEqual([50, 90]);
    expect((await stack.status(reference)).body.stage).toBe("awaiting-approval");

    // Past the deadline and its grace: the deadline decides.
    await advanceTo(deadline + PAST_GRACE_MS);
    const done = await stack.waitForStatus(reference, (b) => String(b.runtimeStatus) === "Completed", PROMPTLY_MS);
    expect(done.outcome).toMatchObject({ result: "Failed", decidedBy: "gate" });
    expect(Date.now() - started).toBeLessThan(3 * PROMPTLY_MS);
    // The instance's times are the host clock's: it was last updated at (after) the deadline, a day of host time on.
    expect(new Date(String(done.lastUpdatedTime)).getTime()).toBeGreaterThanOrEqual(deadline);
    await stack.waitForDeliveries();
    expect(reminders(subject)).toEqual([50, 90]);
    const pulled = await inspectRaw(`${stack.acr.loginServer}/${repository}:v1`, {
      certDir: stack.acr.certDir,
      creds: await stack.pullCreds(),
    });
    expect(pulled.code).not.toBe(0);
  });
});
