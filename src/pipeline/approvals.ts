import { OrchestrationRuntimeStatus, type DurableClient, type DurableOrchestrationStatus } from "durable-functions";
import { APPROVER_ROLE, OVERRIDE_ROLE, requireRole, type Approver } from "../auth/approver-token.js";
import {
  EVENT,
  ORCHESTRATION,
  breakGlassInstanceId,
  isRunning,
  startOrchestrationOnce,
  raiseEvent,
  type ApprovalDecision,
  type BreakGlassInput,
  type PipelineInput,
  type PipelineOutcome,
  type PipelineStatus,
} from "./contract/index.js";
import { JustificationRequiredError, NotAwaitingApprovalError, PipelineNotFoundError } from "./errors.js";
import { findInstance } from "./instances.js";

export interface PendingApproval {
  instanceId: string;
  image: string;
  approvalDeadline?: string;
  verdict?: PipelineStatus["verdict"];
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
      };
    });
}

export interface DecisionRequest {
  approve: boolean;
  reason: string;
  justification?: string;
}

/** Shortest justification accepted for a break-glass release. */
const MIN_JUSTIFICATION = 10;

/**
 * Applies a person's decision. Waiting pipelines get an ApprovalDecision event (approver role). An image whose
 * verdict failed can only be released by break-glass: the override role and a justification, audited, run by its own
 * orchestration. Anything else is refused; nothing here can release without an authorised person.
 */
export async function decide(
  client: DurableClient,
  instanceId: string,
  approver: Approver,
  request: DecisionRequest,
  now: Date,
): Promise<{ kind: "event-raised" | "break-glass-started"; instanceId: string }> {
  requireRole(approver, APPROVER_ROLE);
  const status = await findInstance(client, instanceId);
  if (!status) throw new PipelineNotFoundError(`no pipeline ${instanceId}`);
  const custom = status.customStatus as PipelineStatus | undefined;
  const decision: ApprovalDecision = {
    approve: request.approve,
    reason: request.reason,
    approver,
    decidedAt: now.toISOString(),
  };
  if (isRunning(status.runtimeStatus) && custom?.stage === "awaiting-approval") {
    if (request.approve && custom.verdict?.decision === "fail") requireOverride(approver, request, decision);
    await raiseEvent(client, instanceId, EVENT.approvalDecision, decision);
    return { kind: "event-raised", instanceId };
  }
  if (request.approve && isFailedByPolicy(status)) {
    requireOverride(approver, request, decision);
    const input: BreakGlassInput = {
      pipeline: (await client.getStatus(instanceId, { showInput: true })).input as PipelineInput,
      verdict: custom?.verdict,
      decision,
    };
    // One release per image and request (who, and the justification): the same request sent again names the same
    // instance, which startOrchestrationOnce leaves alone while it is live or done.
    const started = await startOrchestrationOnce(
      client,
      ORCHESTRATION.breakGlassRelease,
      breakGlassInstanceId(instanceId, decision),
      input,
    );
    return { kind: "break-glass-started", instanceId: started.instanceId };
  }
  throw new NotAwaitingApprovalError(
    `pipeline ${instanceId} is not waiting for approval (status ${String(status.runtimeStatus)}, stage ${custom?.stage ?? "unknown"})`,
  );
}

function requireOverride(approver: Approver, request: DecisionRequest, decision: ApprovalDecision): void {
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
