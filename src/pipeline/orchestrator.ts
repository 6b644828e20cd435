import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import { imageReference, type ImageKey } from "./image-key.js";
import { combineVerdicts } from "./verdict.js";
import type {
  ApprovalDecision,
  InspectResult,
  PipelineInput,
  PipelineOutcome,
  PipelineStatus,
  ReleaseRequest,
  ScanPoll,
  ScanReportEvent,
  ScanSubmission,
  Stage,
  VerdictSummary,
} from "./types.js";

export const PIPELINE_ORCHESTRATOR = "quarantinePipeline";
export const APPROVAL_EVENT = "ApprovalDecision";
export const SCAN_REPORT_EVENT = "ScanReport";
export const ACTIVITIES = {
  inspect: "inspectImage",
  submitScan: "submitScan",
  pollScan: "pollScan",
  release: "setQuarantineState",
  record: "recordDecision",
} as const;

/** Activity retries: the registry client already retries each request; these cover longer outages of a dependency. */
const RETRY = new df.RetryOptions(2_000, 5);
RETRY.backoffCoefficient = 2;
RETRY.maxRetryIntervalInMilliseconds = 60_000;

export class ScanFailedError extends Error {
  override readonly name = "ScanFailedError";
}

/**
 * The quarantine pipeline for one image: inspect → scan (with a deadline) → policy verdict → approval when the verdict
 * asks for it (an ApprovalDecision event raced against a deadline) → release (Passed or Failed, read back) → record.
 * Deterministic: time comes only from context.df.currentUtcDateTime and all I/O happens in activities. Every failure
 * leaves the image quarantined: nothing here can write Passed without a pass verdict or an authorised approval.
 */
export const quarantinePipeline: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<PipelineInput>();
  const image = imageReference(input.image);
  const status: PipelineStatus = {
    stage: "inspecting",
    image,
    mode: input.mode,
    updatedAt: context.df.currentUtcDateTime.toISOString(),
  };
  const publish = (stage: Stage, change: Partial<PipelineStatus> = {}) => {
    Object.assign(status, change, { stage, updatedAt: context.df.currentUtcDateTime.toISOString() });
    context.df.setCustomStatus(status);
  };
  const record = (outcome: PipelineOutcome): Task =>
    context.df.callActivityWithRetry(ACTIVITIES.record, RETRY, {
      input,
      outcome,
      instanceId: context.df.instanceId,
      at: context.df.currentUtcDateTime.toISOString(),
    });
  publish("inspecting");

  const inspected: InspectResult = yield context.df.callActivityWithRetry(ACTIVITIES.inspect, RETRY, input.image);
  // Enforcement leaves a decided image alone; a shadow evaluation (backfill) judges it anyway, because what matters
  // then is what the policy would say, whatever state the registry reports for images never quarantined.
  if (input.mode === "enforce" && (inspected.quarantineState === "Passed" || inspected.quarantineState === "Failed")) {
    const outcome: PipelineOutcome = {
      result: "already-decided",
      decidedBy: "registry",
      reason: `already ${inspected.quarantineState}`,
    };
    yield record(outcome);
    publish("done", { outcome: outcome.result });
    return outcome;
  }

  // ---- scan every manifest that makes up the image, against one deadline
  const scanDeadline = new Date(context.df.currentUtcDateTime.getTime() + input.scanDeadlineMs);
  publish("scanning", { scanDeadline: scanDeadline.toISOString() });
  const verdicts: VerdictSummary[] = [];
  try {
    for (const [index, digest] of inspected.scanTargets.entries()) {
      const target = { ...input.image, digest };
      const scanId = `${context.df.instanceId}.${index}.${context.df.newGuid(`${context.df.instanceId}.${index}`).slice(0, 8)}`;
      const submission: ScanSubmission = yield context.df.callActivityWithRetry(ACTIVITIES.submitScan, RETRY, {
        image: target,
        tag: input.tag,
        mediaType: inspected.isIndex ? undefined : inspected.mediaType,
        scanId,
        now: context.df.currentUtcDateTime.toISOString(),
      });
      const result: ScanPoll =
        submission.mode === "poll"
          ? yield* pollUntilDone(context, target, submission.scanId, scanDeadline)
          : yield* awaitCallback(context, submission, target, scanDeadline, publish);
      if (result.state === "failed")
        throw new ScanFailedError(`the scanner reports the scan of ${digest} failed: ${result.error}`);
      if (result.state === "done") verdicts.push(result.verdict);
    }
  } catch (error) {
    // A scanner that is down, refuses, or misses the deadline is an explicit failure, never "no findings": the image
    // stays quarantined and the instance ends Failed, so the sweep (or a new webhook) may start it again.
    const message = `scan failed: ${(error as Error).message}`;
    yield record({ result: "left-quarantined", decidedBy: "gate", reason: message });
    publish("scan-failed", { error: message });
    throw new ScanFailedError(message);
  }
  const verdict = combineVerdicts(verdicts, inspected.isIndex ? input.image.digest : undefined);
  publish("scanning", { verdict });

  // ---- decide
  let decision: { state: "Passed" | "Failed" | undefined; by: string; reason: string };
  if (verdict.decision === "pass") {
    decision = { state: "Passed", by: "policy", reason: "the policy passed every finding" };
  } else if (verdict.decision === "fail") {
    decision = {
      state: "Failed",
      by: "policy",
      reason:
        verdict.platforms
          .flatMap((p) => p.reasons)
          .slice(0, 3)
          .join("; ") || "the policy failed the image",
    };
  } else {
    const approvalDeadline = new Date(context.df.currentUtcDateTime.getTime() + input.approvalDeadlineMs);
    publish("awaiting-approval", { approvalDeadline: approvalDeadline.toISOString() });
    const approval = context.df.waitForExternalEvent(APPROVAL_EVENT);
    const deadline: TimerTask = context.df.createTimer(approvalDeadline);
    const winner: Task = yield context.df.Task.any([approval, deadline]);
    if (winner === approval) {
      deadline.cancel();
      const given = approval.result as ApprovalDecision;
      const by = `${given.approver.name} (${given.approver.objectId})`;
      // Only an explicit `true` releases: anything else an event could carry counts as a rejection.
      decision = { state: given.approve === true ? "Passed" : "Failed", by, reason: given.reason };
      publish("awaiting-approval", {
        decision: { by, approve: given.approve, reason: given.reason, at: given.decidedAt },
      });
    } else {
      const stay = input.onApprovalTimeout === "stay-quarantined";
      decision = {
        state: stay ? undefined : "Failed",
        by: "gate",
        reason: `no approval before ${approvalDeadline.toISOString()}`,
      };
    }
  }

  // ---- release (or, in shadow mode, only say what would have happened)
  let outcome: PipelineOutcome;
  if (decision.state === undefined) {
    outcome = { result: "left-quarantined", verdict, decidedBy: decision.by, reason: decision.reason };
  } else if (input.mode === "shadow") {
    outcome = {
      result: decision.state === "Passed" ? "would-pass" : "would-fail",
      verdict,
      decidedBy: decision.by,
      reason: decision.reason,
    };
  } else {
    publish("releasing");
    const request: ReleaseRequest = {
      image: input.image,
      state: decision.state,
      reason: decision.reason,
      verdict,
      statusUrl: input.statusUrl,
    };
    try {
      yield context.df.callActivityWithRetry(ACTIVITIES.release, RETRY, request);
    } catch (error) {
      const message = `release as ${decision.state} failed: ${(error as Error).message}`;
      yield record({ result: "left-quarantined", verdict, decidedBy: decision.by, reason: message });
      publish("release-failed", { error: message });
      throw new Error(message);
    }
    outcome = { result: decision.state, verdict, decidedBy: decision.by, reason: decision.reason };
  }
  publish("recording");
  yield record(outcome);
  publish("done", { outcome: outcome.result });
  return outcome;
};

/** Harbor adapters: ask for the report, waiting on durable timers as the adapter says, until the scan deadline. */
function* pollUntilDone(
  context: OrchestrationContext,
  image: ImageKey,
  scanId: string,
  deadline: Date,
): Generator<Task, ScanPoll, ScanPoll> {
  for (;;) {
    const poll: ScanPoll = yield context.df.callActivityWithRetry(ACTIVITIES.pollScan, RETRY, {
      image,
      scanId,
      now: context.df.currentUtcDateTime.toISOString(),
    });
    if (poll.state !== "pending") return poll;
    const now = context.df.currentUtcDateTime.getTime();
    if (now >= deadline.getTime())
      throw new ScanFailedError(
        `no scan report for ${image.digest} before the scan deadline ${deadline.toISOString()}`,
      );
    yield context.df.createTimer(new Date(Math.min(now + poll.retryAfterMs, deadline.getTime())));
  }
}

/**
 * External scanners: the report arrives through scanReports as a ScanReport event, raced against the scan deadline.
 * Events for other scans (a late report of an earlier attempt) are ignored; only this scan's token hash is published.
 */
function* awaitCallback(
  context: OrchestrationContext,
  submission: Extract<ScanSubmission, { mode: "callback" }>,
  image: ImageKey,
  deadline: Date,
  publish: (stage: Stage, change?: Partial<PipelineStatus>) => void,
): Generator<Task, ScanPoll, unknown> {
  publish("scanning", {
    pendingScan: { scanId: submission.scanId, callbackTokenHash: submission.callbackTokenHash, image },
  });
  const timeout: TimerTask = context.df.createTimer(deadline);
  for (;;) {
    const report = context.df.waitForExternalEvent(SCAN_REPORT_EVENT);
    const winner = (yield context.df.Task.any([report, timeout])) as Task;
    if (winner === timeout) {
      publish("scanning", { pendingScan: undefined });
      throw new ScanFailedError(
        `no scan report for ${image.digest} before the scan deadline ${deadline.toISOString()}`,
      );
    }
    const event = report.result as ScanReportEvent;
    if (event.scanId !== submission.scanId) continue;
    timeout.cancel();
    publish("scanning", { pendingScan: undefined });
    return event.result;
  }
}
