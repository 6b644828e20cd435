import { OrchestrationRuntimeStatus, type DurableClient, type DurableOrchestrationStatus } from "durable-functions";
import { APPROVER_ROLE, OVERRIDE_ROLE, requireRole, ApproverAuthError, type Approver } from "../auth/approver-token.js";
import { APPROVAL_EVENT } from "./orchestrator.js";
import { BREAK_GLASS_ORCHESTRATOR, type BreakGlassInput } from "./break-glass.js";
import { findInstance } from "./start.js";
import type { ApprovalDecision, PipelineInput, PipelineOutcome, PipelineStatus } from "./types.js";

export interface PendingApproval {
  instanceId: string;
  image: string;
  approvalDeadline?: string;
  verdict?: PipelineStatus["verdict"];
}

export class ApprovalConflictError extends Error {
  override readonly name = "ApprovalConflictError";
  constructor(
    readonly status: 404 | 409 | 400,
    message: string,
  ) {
    super(message);
  }
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

/**
 * Applies a person's decision. Waiting pipelines get an ApprovalDecision event (approver role). An image whose
 * verdict failed can only be released by break-glass: the override role and a justification, audited, run by its own
 * orchestration. Anything else is a conflict; nothing here can release without an authorised person.
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
  if (!status) throw new ApprovalConflictError(404, `no pipeline ${instanceId}`);
  const custom = status.customStatus as PipelineStatus | undefined;
  const decision: ApprovalDecision = {
    approve: request.approve,
    reason: request.reason,
    approver,
    decidedAt: now.toISOString(),
  };
  if (String(status.runtimeStatus) === "Running" && custom?.stage === "awaiting-approval") {
    if (request.approve && custom.verdict?.decision === "fail") requireOverride(approver, request, decision);
    await client.raiseEvent(instanceId, APPROVAL_EVENT, decision);
    return { kind: "event-raised", instanceId };
  }
  if (request.approve && isFailedByPolicy(status)) {
    requireOverride(approver, request, decision);
    const input: BreakGlassInput = {
      pipeline: (await fullStatus(client, instanceId)).input as PipelineInput,
      verdict: custom?.verdict,
      decision,
    };
    const breakGlassId = `bg-${instanceId.slice(3)}-${now.getTime()}`;
    await client.startNew(BREAK_GLASS_ORCHESTRATOR, { instanceId: breakGlassId, input });
    return { kind: "break-glass-started", instanceId: breakGlassId };
  }
  throw new ApprovalConflictError(
    409,
    `pipeline ${instanceId} is not waiting for approval (status ${String(status.runtimeStatus)}, stage ${custom?.stage ?? "unknown"})`,
  );
}

function requireOverride(approver: Approver, request: DecisionRequest, decision: ApprovalDecision): void {
  requireRole(approver, OVERRIDE_ROLE);
  if (!request.justification || request.justification.trim().length < 10) {
    throw new ApproverAuthError(
      403,
      "approving an image whose verdict failed needs a justification (at least 10 characters)",
    );
  }
  decision.override = true;
  decision.reason = `${request.reason} — justification: ${request.justification.trim()}`;
}

function isFailedByPolicy(status: DurableOrchestrationStatus): boolean {
  const output = status.output as PipelineOutcome | undefined;
  return (
    String(status.runtimeStatus) === "Completed" && output?.result === "Failed" && output.verdict?.decision === "fail"
  );
}

async function fullStatus(client: DurableClient, instanceId: string): Promise<DurableOrchestrationStatus> {
  return client.getStatus(instanceId, { showInput: true });
}
