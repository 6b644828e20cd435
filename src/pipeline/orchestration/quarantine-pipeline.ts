import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import {
  ACTIVITY,
  EVENT,
  callActivity,
  waitForEvent,
  type ApprovalConfirmation,
  type ApprovalDecision,
  type ApprovalRound,
  type ApprovalSettlement,
  type InspectResult,
  type PipelineInput,
  type PipelineOutcome,
  type VerdictSummary,
} from "../contract/index.js";
import { DecisionNotWrittenError, ScanFailedError } from "../errors.js";
import { isAlreadyDecided, outcomeWithoutWrite, policyDecision, settledDecision, type Decision } from "./rules.js";
import { scanEveryManifest } from "./scan-phase.js";
import { attestDecision } from "./attest-phase.js";
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
  yield* attestDecision(context, {
    image: input.image,
    outcome,
    instanceId: context.df.instanceId,
    at: context.df.currentUtcDateTime.toISOString(),
  });
  publish("done", { outcome: outcome.result });
  return outcome;
};

/**
 * Waits for a person's decision, raced against the approval deadline. Only decisions the approval ledger backs count:
 * the approvals API records a decision and claims the round's outcome in the ledger before it raises the
 * ApprovalDecision event, so each event is confirmed against the ledger (an activity: orchestrators do no I/O), and the
 * ledger's values are applied, never the event's. An event the ledger does not back (raised by someone with the
 * durable API) is audited as forged by that activity and the wait goes on. When the deadline fires first, the deadline
 * claims the outcome in the ledger — unless a decision claimed it before the deadline, which then counts (the API
 * answered 202 for it). Each wait races a timer of its own to the same deadline (no task is yielded twice).
 */
function* awaitApproval(
  context: OrchestrationContext,
  input: PipelineInput,
  publish: Publish,
): Generator<Task, Decision, unknown> {
  const approvalDeadline = new Date(context.df.currentUtcDateTime.getTime() + input.approvalDeadlineMs);
  publish("awaiting-approval", { approvalDeadline: approvalDeadline.toISOString() });
  const round: ApprovalRound = {
    instanceId: context.df.instanceId,
    image: input.image,
    deadline: approvalDeadline.toISOString(),
  };
  for (;;) {
    const deadline: TimerTask = context.df.createTimer(approvalDeadline);
    const approval = waitForEvent(context, EVENT.approvalDecision);
    const winner = (yield context.df.Task.any([approval, deadline])) as Task;
    let settlement: ApprovalSettlement;
    if (winner === approval) {
      deadline.cancel();
      let confirmation: ApprovalConfirmation;
      try {
        confirmation = (yield callActivity(context, ACTIVITY.confirmApprovalDecision, {
          round,
          event: approval.result as ApprovalDecision,
        })) as ApprovalConfirmation;
      } catch {
        // The ledger could not be read after every retry: nothing is counted on the event's word. A decision the
        // ledger holds is not lost: the deadline's claim finds it.
        continue;
      }
      if (!confirmation.counted) continue;
      settlement = confirmation.settlement;
    } else {
      settlement = (yield callActivity(context, ACTIVITY.settleApprovalDeadline, round)) as ApprovalSettlement;
    }
    const decision = settledDecision(input, settlement, approvalDeadline);
    if (settlement.kind === "decision" && decision.by !== "gate") {
      const deciding = settlement.decisions.at(-1)!;
      publish("awaiting-approval", {
        decision: {
          by: decision.by,
          approve: decision.state === "Passed",
          reason: decision.reason,
          at: deciding.decidedAt,
        },
      });
    }
    return decision;
  }
}
