import { describe, expect, it } from "vitest";
import { quarantinePipeline } from "../../../src/pipeline/orchestration/quarantine-pipeline.js";
import {
  ORCHESTRATION,
  type ApprovalRound,
  type NotifyRequest,
  type ScanPoll,
} from "../../../src/pipeline/contract/index.js";
import { notificationEventId } from "../../../src/notify/index.js";
import { PipelineRun, type Activities } from "./support/pipeline-run.js";
import { IMAGE, done, pipelineInput, singleManifest, verdict } from "./support/fixtures.js";

/**
 * The pipeline's notifications on the real durable-functions replay engine: which events, in which order, at which
 * point, and that a notify that fails changes nothing.
 */
function pipeline(poll: ScanPoll, change: Partial<Activities> = {}): PipelineRun {
  const activities: Activities = {
    inspectImage: () => singleManifest(),
    submitScan: (input: { image: { digest: string }; scanId: string }) => ({
      mode: "poll",
      digest: input.image.digest,
      scanId: input.scanId,
    }),
    pollScan: () => poll,
    writeRegistryDecision: (request: { state: string }) => ({ confirmedState: request.state, written: true }),
    recordDecision: () => null,
    settleApprovalDeadline: (round: ApprovalRound) => ({
      kind: "deadline",
      deadline: round.deadline,
      claimedAt: round.deadline,
    }),
    notify: (request: NotifyRequest) => ({ eventId: notificationEventId(request), sinks: 1, started: 1 }),
    ...change,
  };
  return new PipelineRun(ORCHESTRATION.quarantinePipeline, quarantinePipeline, pipelineInput(), activities);
}

const types = (run: PipelineRun) => run.inputsOf<NotifyRequest>("notify").map((r) => r.type);

/** Fires only the earliest of the orchestration's own timers (a reminder before the deadline), then settles. */
async function fireEarliestTimer(run: PipelineRun): Promise<void> {
  const timers = run.driver.state
    .outstanding()
    .flatMap((w) => (w.kind === "timer" && w.chain === undefined ? [w] : []))
    .sort((x, y) => Date.parse(String(x.fireAt)) - Date.parse(String(y.fireAt)));
  const first = timers[0]!;
  run.driver.pending.push({ kind: "TimerFired", timerId: first.id, fireAt: first.fireAt });
  await run.settle();
}

describe("the pipeline's notifications", () => {
  it("a pass: quarantined, scan completed, released — released only after the registry shows Passed", async () => {
    const run = await pipeline(done(verdict("pass"))).settle();
    expect(run.outcome.result).toBe("Passed");
    expect(types(run)).toEqual(["image.quarantined", "scan.completed", "image.released"]);
    const names = run.calls.map((c) => c.name);
    expect(names.lastIndexOf("notify")).toBeGreaterThan(names.indexOf("writeRegistryDecision"));
    const requests = run.inputsOf<NotifyRequest>("notify");
    expect(new Set(requests.map((r) => r.round)).size).toBe(1);
    expect(requests.every((r) => r.image.digest === IMAGE.digest && r.instanceId === requests[0]!.instanceId)).toBe(
      true,
    );
    expect(requests[1]!.facts).toMatchObject({
      decision: "pass",
      policyVersion: "p1",
      severityCounts: { Critical: 0 },
    });
  });

  it("a notify that fails every time changes nothing: the image is released all the same", async () => {
    const run = await pipeline(done(verdict("pass")), {
      notify: () => {
        throw new Error("sink down");
      },
    }).settle();
    expect(run.runtimeStatus).toBe("Completed");
    expect(run.outcome.result).toBe("Passed");
    // Called once per event: no durable retry policy on notify.
    expect(run.calls.filter((c) => c.name === "notify")).toHaveLength(3);
  });

  it("the pipeline only hands events off: it never sends, retries a send or waits on a delivery itself", async () => {
    const run = await pipeline(done(verdict("pass"))).settle();
    expect(run.outcome.result).toBe("Passed");
    const names = run.calls.map((c) => c.name);
    expect(names).not.toContain("deliverNotification");
    expect(names).not.toContain("attemptNotification");
    expect(names).not.toContain("recordNotificationDeadLetter");
    // No timer of a retry chain and nothing outstanding once it ended: nothing the pipeline waits on is a delivery.
    expect(run.driver.state.outstanding()).toEqual([]);
  });

  it("an approval nobody gives: requested, reminded at 50 % and 90 %, then failed at the deadline", async () => {
    const run = await pipeline(done(verdict("needsApproval"))).settle();
    expect(types(run)).toEqual(["image.quarantined", "scan.completed", "approval.requested"]);
    await fireEarliestTimer(run);
    await fireEarliestTimer(run);
    expect(run.runtimeStatus).toBe("Running");
    await fireEarliestTimer(run);
    expect(run.outcome.result).toBe("Failed");
    expect(types(run)).toEqual([
      "image.quarantined",
      "scan.completed",
      "approval.requested",
      "approval.reminder",
      "approval.reminder",
      "image.failed",
    ]);
    const reminders = run.inputsOf<NotifyRequest>("notify").filter((r) => r.type === "approval.reminder");
    expect(reminders.map((r) => r.facts.percent)).toEqual([50, 90]);
    expect(new Set(reminders.map((r) => notificationEventId(r))).size).toBe(2);
    const requested = run.inputsOf<NotifyRequest>("notify").find((r) => r.type === "approval.requested")!;
    expect(reminders.every((r) => r.facts.deadline === requested.facts.deadline)).toBe(true);
  });

  it("a failed scan: quarantined, scan failed, left quarantined", async () => {
    const run = await pipeline({ state: "failed", error: "trivy exited 1" }).settle();
    expect(run.runtimeStatus).toBe("Failed");
    expect(types(run)).toEqual(["image.quarantined", "scan.failed", "image.left-quarantined"]);
  });
});
