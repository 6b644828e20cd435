import type { AuditAction } from "../../audit/audit-log.js";
import type { GateServices } from "../services.js";
import { imageReference } from "../image-key.js";
import type { PipelineInput, PipelineOutcome } from "../types.js";

const ACTION: Record<PipelineOutcome["result"], AuditAction> = {
  Passed: "released",
  Failed: "released",
  "already-decided": "pipeline-ended",
  "would-pass": "shadow-decision",
  "would-fail": "shadow-decision",
  "left-quarantined": "pipeline-ended",
};

/** Appends the pipeline's decision to the audit trail: who, when, why, under which policy, with which findings. */
export async function recordDecision(
  services: Pick<GateServices, "audit" | "policyVersion">,
  input: { input: PipelineInput; outcome: PipelineOutcome; instanceId: string; at: string },
): Promise<void> {
  const { outcome } = input;
  await services.audit.record({
    image: imageReference(input.input.image),
    action: ACTION[outcome.result],
    actor: outcome.decidedBy,
    at: input.at,
    reason: outcome.reason,
    verdict: outcome.verdict?.decision,
    quarantineState: outcome.result,
    findingsSummary: outcome.verdict?.severityCounts,
    policyVersion: outcome.verdict?.policyVersion ?? services.policyVersion,
    instanceId: input.instanceId,
  });
}
