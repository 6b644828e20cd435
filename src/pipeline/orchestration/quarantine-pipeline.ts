import type { OrchestrationContext, OrchestrationHandler, Task, TimerTask } from "durable-functions";
import {
  ACTIVITY,
  EVENT,
  callActivity,
  notifier,
  outcomeNotification,
  verdictFacts,
  waitForEvent,
  type Notify,
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
import { requiredApprovalsOf, tallyOf } from "../approval-ledger-terms.js";
import {
  isAlreadyDecided,
  outcomeWithoutWrite,
  policyDecision,
  settledDecision,
  withRequiredApprovals,
  type Decision,
} from "./rules.js";
import { scanEveryManifest } from "./scan-phase.js";
import { attestDecision } from "./attest-phase.js";
import { settleArtifact } from "./artifact-phase.js";
import { statusPublisher, type Publish } from "./status.js";
import { combineVerdicts } from "./verdict.js";

/**
 * The quarantine pipeline for one image (an OCI artifact instead of an image is settled without a scan,
 * artifact-phase.ts): inspect → scan (with a deadline) → policy verdict → approval when the verdict
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
  // Notifications (docs/notifications.md): the round is this execution's start time, fixed in history.
  const notify = notifier(context, input, context.df.currentUtcDateTime.toISOString());

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
  // Not an image (an OCI artifact such as the gate's own referrers): released only if it is the gate's verified
  // attestation, otherwise left quarantined; never scanned (artifact-phase.ts).
  if (inspected.artifact) return yield* settleArtifact(context, input, inspected.artifact, publish, record);

  yield* notify("image.quarantined");
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
    yield* notify("scan.failed", { actor: "gate", reason: message });
    yield record({ result: "left-quarantined", decidedBy: "gate", reason: message });
    yield* notify("image.left-quarantined", { actor: "gate", reason: message });
    publish("scan-failed", { error: message });
    throw new ScanFailedError(message);
  }
  const verdict = withRequiredApprovals(
    combineVerdicts(verdicts, inspected.isIndex ? input.image.digest : undefined),
    verdicts,
  );
  publish("scanning", { verdict });
  yield* notify("scan.completed", verdictFacts(verdict));

  // ---- decide: the policy, or a person before the deadline
  const decision: Decision =
    policyDecision(verdict) ?? (yield* awaitApproval(context, input, publish, notify, verdict));

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
      yield* notify("image.left-quarantined", { ...verdictFacts(verdict), actor: decision.by, reason: message });
      publish("release-failed", { error: message });
      throw new DecisionNotWrittenError(message);
    }
    outcome = { result: state, verdict, decidedBy: decision.by, reason: decision.reason };
  }
  publish("recording");
  yield record(outcome);
  // The signed decision is attached first, so whoever the notification reaches can verify it.
  yield* attestDecision(context, {
    image: input.image,
    outcome,
    instanceId: context.df.instanceId,
    at: context.df.currentUtcDateTime.toISOString(),
  });
  const ended = outcomeNotification(outcome.result);
  if (ended) yield* notify(ended, { ...verdictFacts(verdict), actor: outcome.decidedBy, reason: outcome.reason });
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
 *
 * The deadline's timer fires SETTLE_GRACE_MS after the published deadline. The API refuses decisions it stamps at or
 * after the deadline, and records the others before it answers. A decision it stamps 1 ms before the deadline is
 * still being written when the deadline comes; the grace lets that write claim the outcome, so it is not outrun by
 * the deadline's own claim. Without the grace, the API would answer 409 for a decision made in time.
 */
/** Room for the write of a decision stamped just before the deadline (see awaitApproval). */
export const SETTLE_GRACE_MS = 5_000;

function* awaitApproval(
  context: OrchestrationContext,
  input: PipelineInput,
  publish: Publish,
  notify: Notify,
  verdict: VerdictSummary,
): Generator<Task, Decision, unknown> {
  const approvalDeadline = new Date(context.df.currentUtcDateTime.getTime() + input.approvalDeadlineMs);
  const required = requiredApprovalsOf(verdict);
  publish("awaiting-approval", {
    approvalDeadline: approvalDeadline.toISOString(),
    approvals: { required, given: 0, approvers: [] },
  });
  const deadlineText = approvalDeadline.toISOString();
  yield* notify("approval.requested", { ...verdictFacts(verdict), deadline: deadlineText });
  const reminders = reminderTimes(context.df.currentUtcDateTime, approvalDeadline);
  const round: ApprovalRound = {
    instanceId: context.df.instanceId,
    image: input.image,
    deadline: approvalDeadline.toISOString(),
  };
  for (;;) {
    const deadline: TimerTask = context.df.createTimer(new Date(approvalDeadline.getTime() + SETTLE_GRACE_MS));
    const approval = waitForEvent(context, EVENT.approvalDecision);
    // The next reminder (50 %, 90 % of the approval time) races the decision and the deadline with a timer of its own.
    const due = reminders[0];
    const reminder = due ? context.df.createTimer(due.at) : undefined;
    const winner = (yield context.df.Task.any(
      reminder ? [approval, deadline, reminder] : [approval, deadline],
    )) as Task;
    if (reminder && winner === reminder) {
      deadline.cancel();
      reminders.shift();
      yield* notify("approval.reminder", { deadline: deadlineText, percent: due!.percent }, `${due!.percent}`);
      continue;
    }
    reminder?.cancel();
    let settlement: ApprovalSettlement;
    if (winner === approval) {
      deadline.cancel();
      let confirmation: ApprovalConfirmation;
      try {
        confirmation = (yield callActivity(context, ACTIVITY.confirmApprovalDecision, {
          round,
          event: approval.result as ApprovalDecision,
          verdict,
        })) as ApprovalConfirmation;
      } catch {
        // The ledger could not be read after every retry: nothing is counted on the event's word. A decision the
        // ledger holds is not lost: the deadline's claim finds it.
        continue;
      }
      if (!confirmation.counted) continue;
      // N-of-M: the verdict says how many distinct approvals it needs, and the API raises an event for every approval
      // that counts. One that does not complete the round only updates the approvals the status shows, and the wait
      // goes on (one person counts once: the ledger refuses their repeat). The k-th approval claims the outcome and
      // decides, as does a single rejection.
      if ("pending" in confirmation) {
        publish("awaiting-approval", { approvals: confirmation.pending });
        continue;
      }
      settlement = confirmation.settlement;
    } else {
      settlement = (yield callActivity(context, ACTIVITY.settleApprovalDeadline, round)) as ApprovalSettlement;
    }
    const decision = settledDecision(input, settlement, approvalDeadline, required);
    if (settlement.kind === "decision" && decision.by !== "gate") {
      const deciding = settlement.decisions.at(-1)!;
      publish("awaiting-approval", {
        ...(settlement.approve ? { approvals: tallyOf(required, settlement.decisions) } : {}),
        decision: {
          by: decision.by,
          approve: decision.state === "Passed",
          reason: decision.reason,
          at: deciding.decidedAt,
        },
      });
      yield* notify("approval.given", {
        actor: decision.by,
        approve: decision.state === "Passed",
        reason: decision.reason,
      });
    }
    return decision;
  }
}

/**
 * When to remind the approvers: at 50 % and 90 % of the approval time, those still ahead. A restarted wait (a forged
 * event) keeps the reminders not yet sent; a reminder is never sent twice in one round.
 */
function reminderTimes(now: Date, deadline: Date): Array<{ percent: number; at: Date }> {
  const start = now.getTime();
  const span = deadline.getTime() - start;
  return [50, 90]
    .map((percent) => ({ percent, at: new Date(start + Math.floor((span * percent) / 100)) }))
    .filter((r) => r.at.getTime() > start && r.at.getTime() < deadline.getTime());
}
