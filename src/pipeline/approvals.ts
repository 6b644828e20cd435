import { randomUUID } from "node:crypto";
import { OrchestrationRuntimeStatus, type DurableClient, type DurableOrchestrationStatus } from "durable-functions";
import { AUDIT_ACTION } from "../audit/actions.js";
import { APPROVER_ROLE, OVERRIDE_ROLE, requireRole, type Approver } from "../auth/approver-token.js";
import type { PolicyDocument } from "../policy/types.js";
import { isBeforeDeadline, personName, type ApprovalLedger, type CurrentOutcome } from "./approval-ledger.js";
import type { DecisionAudit } from "./approval-ledger-checks.js";
import { requiredApprovalsOf } from "./approval-ledger-terms.js";
import { verdictIdentity } from "./approval-ledger-verdict.js";
import { DecisionNotCountedError, type NotCountedReason } from "./approval-ledger-errors.js";
import {
  EVENT,
  ORCHESTRATION,
  breakGlassInstanceId,
  isRunning,
  startOrchestrationOnce,
  raiseEvent,
  type ApprovalDecision,
  type BreakGlassInput,
  type LedgerDecision,
  type PipelineInput,
  type PipelineOutcome,
  type PipelineStatus,
} from "./contract/index.js";
import type { ApprovalTally } from "./contract/payloads.js";
import { BreakGlassExpiryInvalidError, JustificationRequiredError, PipelineNotFoundError } from "./errors.js";
import { breakGlassExpiry } from "./break-glass-expiry.js";
import { findInstance } from "./instances.js";

export interface PendingApproval {
  instanceId: string;
  image: string;
  approvalDeadline?: string;
  verdict?: PipelineStatus["verdict"];
  /** The verdict's identity: send it back with a decision to bind the decision to the verdict you saw. */
  verdictId: string;
  /** The approvals the verdict needs and those counted so far (as the pipeline last published them). */
  approvals: ApprovalTally;
}

/** Pipelines waiting for a person, with what they need to decide. */
export async function listPendingApprovals(client: DurableClient): Promise<PendingApproval[]> {
  const running = await client.getStatusBy({ runtimeStatus: [OrchestrationRuntimeStatus.Running] });
  return running
    .filter((s) => (s.customStatus as PipelineStatus | undefined)?.stage === "awaiting-approval")
    .map((s) => {
      const status = s.customStatus as PipelineStatus;
      return {
        instanceId: s.instanceId,
        image: status.image,
        approvalDeadline: status.approvalDeadline,
        verdict: status.verdict,
        verdictId: verdictIdentity(status.verdict),
        approvals: status.approvals ?? { required: requiredApprovalsOf(status.verdict), given: 0, approvers: [] },
      };
    });
}

export interface DecisionRequest {
  approve: boolean;
  reason: string;
  justification?: string;
  /**
   * The verdict the person decided on (`verdictId` of the pending list or the status). When given and the pipeline
   * now waits on another verdict, the decision does not count (409, `verdict-changed`).
   */
  verdictId?: string;
  /**
   * Break-glass only: how long the override lasts, an ISO 8601 duration (e.g. PT4H); at most the policy's
   * remediation.breakGlassExpiryHours, which is also what an override without it lasts. 400 when longer or malformed.
   */
  expiresIn?: string;
}

/** What a person's decision needs: the durable client, the approval ledger, the audit trail and the time. */
export interface DecisionDeps {
  client: DurableClient;
  ledger: Pick<ApprovalLedger, "record" | "current">;
  audit: DecisionAudit;
  /** When the decision is made: its ledger time, judged against the deadline. */
  now: Date;
  /** The gate's policy: how long a break-glass release lasts (remediation.breakGlassExpiryHours). */
  policy: PolicyDocument;
  /** Ids of decisions (random; tests pass their own). */
  newDecisionId?: () => string;
}

export type DecisionResult =
  /** The decision claimed the outcome: the pipeline applies it (no later than at its deadline). */
  | { kind: "event-raised"; instanceId: string; decidedAt: string; approvals?: { required: number; given: number } }
  /** N-of-M: an approval counted towards the required approvals; more are needed. */
  | { kind: "recorded"; instanceId: string; decidedAt: string; approvals: { required: number; given: number } }
  /** `expiresAt`: when the override ends (absent for a shadow-mode release, which writes nothing). */
  | { kind: "break-glass-started"; instanceId: string; expiresAt?: string };

/** Shortest justification accepted for a break-glass release. */
const MIN_JUSTIFICATION = 10;

/**
 * Applies a person's decision, truthfully: it is recorded in the approval ledger first, and only a decision that
 * claims the round's outcome (the first reject, or the k-th approval, before the deadline the pipeline published)
 * is raised on the pipeline and answered as accepted. Every other decision — a loser of the race, one at or after
 * the deadline, one on a decided image or a pipeline not waiting — is audited as not counted and refused with
 * DecisionNotCountedError (409 with the current outcome). An image whose verdict failed can only be released by
 * break-glass: the override role and a justification, run by its own orchestration.
 */
export async function decide(
  deps: DecisionDeps,
  instanceId: string,
  approver: Approver,
  request: DecisionRequest,
): Promise<DecisionResult> {
  requireRole(approver, APPROVER_ROLE);
  const status = await findInstance(deps.client, instanceId);
  if (!status) throw new PipelineNotFoundError(`no pipeline ${instanceId}`);
  const custom = status.customStatus as PipelineStatus | undefined;
  const decision: LedgerDecision = {
    decisionId: (deps.newDecisionId ?? randomUUID)(),
    approve: request.approve,
    reason: request.reason,
    approver: { objectId: approver.objectId, name: approver.name, roles: approver.roles },
    decidedAt: deps.now.toISOString(),
  };
  const refuse = (reason: NotCountedReason, message: string, outcome: CurrentOutcome) =>
    refuseDecision(deps.audit, instanceId, custom?.image, decision, reason, message, outcome);

  if (isRunning(status.runtimeStatus) && custom?.stage === "awaiting-approval" && custom.approvalDeadline) {
    if (request.approve && custom.verdict?.decision === "fail") requireOverride(approver, request, decision);
    // Only a break-glass release expires; an approval in a round would not, so asking for it is refused, not ignored.
    if (request.expiresIn !== undefined)
      throw new BreakGlassExpiryInvalidError("expiresIn is only for a break-glass release of an image that failed");
    const round = { instanceId, deadline: custom.approvalDeadline };
    // N-of-M: the verdict says how many distinct approvals it needs, and each approval is bound to that verdict.
    const required = requiredApprovalsOf(custom.verdict);
    const verdictId = verdictIdentity(custom.verdict);
    if (!isBeforeDeadline(decision.decidedAt, round.deadline)) {
      const current = await deps.ledger.current(round, required, verdictId);
      const outcome: CurrentOutcome =
        current.state === "undecided" ? { state: "deadline-passed", deadline: round.deadline } : current;
      return refuse("after-deadline", `the approval deadline ${round.deadline} has passed`, outcome);
    }
    if (request.verdictId !== undefined && request.verdictId !== verdictId)
      return refuse(
        "verdict-changed",
        `the decision was made for verdict ${request.verdictId}; the pipeline now waits on verdict ${verdictId}`,
        await deps.ledger.current(round, required, verdictId),
      );
    const recorded = await deps.ledger.record(round, decision, required, verdictId);
    if (!recorded.counted) return refuse(recorded.reason, notCountedMessage(recorded.reason), recorded.outcome);
    if (required > 1 && decision.approve === true) {
      const given = recorded.claimed
        ? recorded.settlement.decisions.filter((d) => d.approve === true).length
        : recorded.approvals;
      await auditCounted(deps.audit, instanceId, custom.image, decision, { required, given });
    }
    // The ledger holds the decision: if the event is lost (the raise fails, the host stops), the pipeline still
    // applies a claimed outcome when its deadline fires and it finds the claim (ApprovalLedger.claimDeadline).
    // N-of-M: an approval that does not complete the round is raised too; the pipeline confirms it against the
    // ledger and shows it in its status.
    if (!recorded.claimed) {
      // Counted whatever happens to the event: if it is lost, only the status lags until the next approval.
      await raiseEvent(deps.client, instanceId, EVENT.approvalDecision, eventOf(decision)).catch(() => undefined);
      return {
        kind: "recorded",
        instanceId,
        decidedAt: decision.decidedAt,
        approvals: { required: recorded.required, given: recorded.approvals },
      };
    }
    await raiseEvent(deps.client, instanceId, EVENT.approvalDecision, eventOf(decision));
    return {
      kind: "event-raised",
      instanceId,
      decidedAt: decision.decidedAt,
      ...(required > 1
        ? {
            approvals: {
              required,
              given: recorded.settlement.decisions.filter((d) => d.approve === true).length,
            },
          }
        : {}),
    };
  }
  if (request.approve && isFailedByPolicy(status)) {
    requireOverride(approver, request, decision);
    const pipeline = (await deps.client.getStatus(instanceId, { showInput: true })).input as PipelineInput;
    // Checked before anything starts: a longer or malformed expiry is refused (400), never cut down in silence.
    const expiry = breakGlassExpiry(deps.policy, pipeline.image.repository, decision.decidedAt, request.expiresIn);
    const input: BreakGlassInput = {
      pipeline,
      verdict: custom?.verdict,
      decision: eventOf(decision),
      // Break-glass reverts itself (docs/reevaluation.md): at expiresAt the image is judged again. Shadow mode writes
      // nothing, so there is nothing to revert.
      ...(pipeline.mode === "enforce" ? { expiresAt: expiry.expiresAt } : {}),
    };
    // One release per image and request (who, and the justification): the same request sent again names the same
    // instance, which startOrchestrationOnce leaves alone while it is live or done.
    const started = await startOrchestrationOnce(
      deps.client,
      ORCHESTRATION.breakGlassRelease,
      breakGlassInstanceId(instanceId, eventOf(decision)),
      input,
    );
    // A repeated request names the release already started: its expiry is that release's, not this request's.
    const expiresAt = started.started
      ? input.expiresAt
      : ((await deps.client.getStatus(started.instanceId, { showInput: true })).input as BreakGlassInput | undefined)
          ?.expiresAt;
    return {
      kind: "break-glass-started",
      instanceId: started.instanceId,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
  }
  if (custom?.approvalDeadline) {
    // The pipeline waited for a person and has moved on: what its approval round's ledger says decided it.
    const settled = await deps.ledger.current({ instanceId, deadline: custom.approvalDeadline });
    if (settled.state === "decided") return refuse("outcome-claimed", notCountedMessage("outcome-claimed"), settled);
    if (settled.state === "deadline-passed")
      return refuse("after-deadline", `the approval deadline ${custom.approvalDeadline} has passed`, settled);
  }
  const output = status.output as PipelineOutcome | undefined;
  return refuse(
    "not-awaiting-approval",
    `pipeline ${instanceId} is not waiting for approval (status ${String(status.runtimeStatus)}, stage ${custom?.stage ?? "unknown"})`,
    {
      state: "not-awaiting-approval",
      runtimeStatus: String(status.runtimeStatus),
      ...(custom?.stage ? { stage: custom.stage } : {}),
      ...(output?.result ? { result: output.result, decidedBy: output.decidedBy } : {}),
    },
  );
}

function notCountedMessage(reason: NotCountedReason): string {
  switch (reason) {
    case "outcome-claimed":
      return "another decision was recorded first and decides this approval";
    case "approver-already-decided":
      return "your earlier decision on this approval is already recorded";
    case "after-deadline":
      return "the approval deadline has passed";
    case "not-awaiting-approval":
      return "the pipeline is not waiting for approval";
    case "verdict-changed":
      return "the verdict changed since this decision was made";
  }
}

/** N-of-M: audits an approval that counted, with how many the verdict needs and how many are given now. */
async function auditCounted(
  audit: DecisionAudit,
  instanceId: string,
  image: string,
  decision: LedgerDecision,
  approvals: { required: number; given: number },
): Promise<void> {
  await audit.record(
    {
      image,
      action: AUDIT_ACTION.counted,
      actor: personName(decision),
      at: decision.decidedAt,
      reason: `approve ("${decision.reason}") counted: ${approvals.given} of ${approvals.required} approvals`,
      instanceId,
    },
    { scope: instanceId, identity: `counted|${decision.decisionId}` },
  );
}

/** Audits a decision that does not count, then refuses it with the current outcome. */
async function refuseDecision(
  audit: DecisionAudit,
  instanceId: string,
  image: string | undefined,
  decision: LedgerDecision,
  reason: NotCountedReason,
  message: string,
  outcome: CurrentOutcome,
): Promise<never> {
  await audit.record(
    {
      image: image ?? instanceId,
      action: AUDIT_ACTION.notCounted,
      actor: personName(decision),
      at: decision.decidedAt,
      reason: `${decision.approve ? "approve" : "reject"} ("${decision.reason}") not counted (${reason}): ${message}`,
      instanceId,
    },
    { scope: instanceId, identity: `not-counted|${decision.decisionId}` },
  );
  throw new DecisionNotCountedError(message, reason, outcome, decision.decidedAt);
}

/** The ApprovalDecision event for a ledger decision: what the pipeline confirms against the ledger. */
function eventOf(decision: LedgerDecision): ApprovalDecision {
  return {
    approve: decision.approve,
    reason: decision.reason,
    approver: decision.approver,
    ...(decision.override ? { override: true } : {}),
    decidedAt: decision.decidedAt,
  };
}

function requireOverride(approver: Approver, request: DecisionRequest, decision: LedgerDecision): void {
  requireRole(approver, OVERRIDE_ROLE);
  if (!request.justification || request.justification.trim().length < MIN_JUSTIFICATION) {
    throw new JustificationRequiredError(
      `approving an image whose verdict failed needs a justification (at least ${MIN_JUSTIFICATION} characters)`,
    );
  }
  decision.override = true;
  decision.reason = `${request.reason} — justification: ${request.justification.trim()}`;
}

function isFailedByPolicy(status: DurableOrchestrationStatus): boolean {
  const output = status.output as PipelineOutcome | undefined;
  return (
    String(status.runtimeStatus) === OrchestrationRuntimeStatus.Completed &&
    output?.result === "Failed" &&
    output.verdict?.decision === "fail"
  );
}
