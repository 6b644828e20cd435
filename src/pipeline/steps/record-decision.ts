import { AUDIT_ACTION, type AuditAction } from "../../audit/actions.js";
import type { GateServices } from "../services.js";
import { describeVex } from "./judge-report.js";
import { imageReference, type PipelineOutcome, type RecordDecisionInput } from "../contract/index.js";

/** The audit action of a pipeline's outcome: what happened to the image. */
export function auditActionOf(outcome: Pick<PipelineOutcome, "result" | "override">): AuditAction {
  switch (outcome.result) {
    case "Passed":
      return outcome.override ? AUDIT_ACTION.overridden : AUDIT_ACTION.released;
    case "Failed":
      return AUDIT_ACTION.failed;
    case "left-quarantined":
      return AUDIT_ACTION.leftQuarantined;
    case "already-decided":
      return AUDIT_ACTION.alreadyDecided;
    case "would-pass":
      return AUDIT_ACTION.wouldRelease;
    case "would-fail":
      return AUDIT_ACTION.wouldFail;
  }
}

/**
 * Appends the pipeline's decision to the audit trail: who, when, why, under which policy, with which findings. Once per
 * decision however often the activity runs: the row's key is the decision's (RecordDecisionInput.auditKey, by default
 * the instance and the orchestration's decision time — both fixed in durable history, so every delivery of this
 * activity names the same row), and the row is inserted only if absent.
 */
export async function recordDecision(
  services: Pick<GateServices, "audit" | "policyVersion">,
  input: RecordDecisionInput,
): Promise<void> {
  const { outcome } = input;
  await services.audit.record(
    {
      image: imageReference(input.input.image),
      action: auditActionOf(outcome),
      actor: outcome.decidedBy,
      at: input.at,
      reason: outcome.reason,
      verdict: outcome.verdict?.decision,
      quarantineState: outcome.result,
      findingsSummary: outcome.verdict?.severityCounts,
      policyVersion: outcome.verdict?.policyVersion ?? services.policyVersion,
      instanceId: input.instanceId,
      ...(outcome.verdict?.vex ? { vex: describeVex(outcome.verdict.vex) } : {}),
    },
    input.auditKey ?? { scope: input.instanceId, identity: input.at },
  );
}
