import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import {
  ACTIVITY,
  EVENT,
  callActivity,
  waitForEvent,
  type ApprovalDecision,
  type InspectResult,
  type PipelineInput,
  type PipelineOutcome,
  type VerdictSummary,
} from "../contract/index.js";
import { DecisionNotWrittenError, ScanFailedError } from "../errors.js";
import {
  approvalDecision,
  approvalTimeoutDecision,
  isAlreadyDecided,
  outcomeWithoutWrite,
  policyDecision,
  type Decision,
} from "./rules.js";
import { scanEveryManifest } from "./scan-phase.js";
import { statusPublisher, type Publish } from "./status.js";
import { combineVerdicts } from "./verdict.js";

/**
 * The quarantine pipeline for one image: inspect → scan (with a deadline) → policy verdict → approval when the verdict
 * asks for it (an ApprovalDecision event raced against a deadline) → write to the registry (Passed or Failed, read
 * back) → record. Deterministic: time comes only from context.df.currentUtcDateTime and all I/O happens in
 * activities (enforced by ESLint for this folder). Every failure leaves the image quarantined: nothing here can write
 * Passed without a pass verdict or an authorised approval.
 */
export const quarantinePipeline: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<PipelineInput>();
  const publish = statusPublisher(context, input);
  const record = (outcome: PipelineOutcome): Task =>
    callActivity(context, ACTIVITY.recordDecision, {
      input,
      outcome,
      instanceId: context.df.instanceId,
      at: context.df.currentUtcDateTime.toISOString(),
    });
  publish("inspecting");

  const inspected = (yield callActivity(context, ACTIVITY.inspectImage, input.image)) as InspectResult;
  if (isAlreadyDecided(input, inspected.quarantineState)) {
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
  let verdicts: VerdictSummary[];
  try {
    verdicts = yield* scanEveryManifest(context, input, inspected, scanDeadline, publish);
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

  // ---- decide: the policy, or a person before the deadline
  const decision: Decision = policyDecision(verdict) ?? (yield* awaitApproval(context, input, publish));

  // ---- write to the registry (or, in shadow mode, only say what would have happened)
  let outcome = outcomeWithoutWrite(input, decision, verdict);
  if (!outcome) {
    const state = decision.state!;
    publish("releasing");
    try {
      yield callActivity(context, ACTIVITY.writeRegistryDecision, {
        image: input.image,
        state,
        reason: decision.reason,
        verdict,
        statusUrl: input.statusUrl,
      });
    } catch (error) {
      const message = `release as ${state} failed: ${(error as Error).message}`;
      yield record({ result: "left-quarantined", verdict, decidedBy: decision.by, reason: message });
      publish("release-failed", { error: message });
      throw new DecisionNotWrittenError(message);
    }
    outcome = { result: state, verdict, decidedBy: decision.by, reason: decision.reason };
  }
  publish("recording");
  yield record(outcome);
  publish("done", { outcome: outcome.result });
  return outcome;
};

/** Waits for a person's ApprovalDecision, raced against the approval deadline. */
function* awaitApproval(
  context: OrchestrationContext,
  input: PipelineInput,
  publish: Publish,
): Generator<Task, Decision, unknown> {
  const approvalDeadline = new Date(context.df.currentUtcDateTime.getTime() + input.approvalDeadlineMs);
  publish("awaiting-approval", { approvalDeadline: approvalDeadline.toISOString() });
  const approval = waitForEvent(context, EVENT.approvalDecision);
  const deadline: TimerTask = context.df.createTimer(approvalDeadline);
  const winner = (yield context.df.Task.any([approval, deadline])) as Task;
  if (winner !== approval) return approvalTimeoutDecision(input, approvalDeadline);
  deadline.cancel();
  const given = approval.result as ApprovalDecision;
  const decision = approvalDecision(given);
  publish("awaiting-approval", {
    decision: { by: decision.by, approve: given.approve, reason: given.reason, at: given.decidedAt },
  });
  return decision;
}
