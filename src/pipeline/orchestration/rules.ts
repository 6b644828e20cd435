import type {
  InspectedArtifact,
  ApprovalDecision,
  ApprovalSettlement,
  PipelineInput,
  PipelineOutcome,
  VerdictSummary,
} from "../contract/index.js";
import { requiredApprovalsOf } from "../approval-ledger-terms.js";

/**
 * The pipeline's decision rules, apart from the waiting: pure functions of what the orchestration knows. Only three
 * rules can lead to Passed — a pass verdict, a person's explicit approve === true, and (artifactDecision) the gate's
 * own attestation that the inspection verified against the gate's own key — and every other path leads to Failed or
 * leaves the manifest quarantined.
 */

/** What to write to the registry (undefined: nothing, the image stays quarantined), who decided and why. */
export interface Decision {
  state: "Passed" | "Failed" | undefined;
  by: string;
  reason: string;
}

/**
 * Enforcement leaves an image the registry already shows as decided alone. A shadow evaluation (backfill) judges it
 * anyway: what matters then is what the policy would say, whatever state the registry reports for images never
 * quarantined.
 */
export function isAlreadyDecided(input: Pick<PipelineInput, "mode">, quarantineState: string | undefined): boolean {
  return input.mode === "enforce" && (quarantineState === "Passed" || quarantineState === "Failed");
}

/** The policy's own decision; undefined when the verdict asks for a person. */
export function policyDecision(verdict: VerdictSummary): Decision | undefined {
  if (verdict.decision === "pass") return { state: "Passed", by: "policy", reason: "the policy passed every finding" };
  if (verdict.decision === "fail") {
    const reasons = verdict.platforms
      .flatMap((p) => p.reasons)
      .slice(0, 3)
      .join("; ");
    return { state: "Failed", by: "policy", reason: reasons || "the policy failed the image" };
  }
  return undefined;
}

/** Who a person is in the audit trail: name and object id. */
export function approverName(decision: Pick<ApprovalDecision, "approver">): string {
  return `${decision.approver.name} (${decision.approver.objectId})`;
}

/**
 * The decision an approval round's ledger claim stands for: people's decision when they claimed the outcome before the
 * deadline (their ledger time, not when the pipeline heard of it: an approval made 10 ms before the deadline counts
 * even if the timer fires first), otherwise the deadline's. Only approvals that are all an explicit `true` release.
 */
export function settledDecision(
  input: Pick<PipelineInput, "onApprovalTimeout">,
  settlement: ApprovalSettlement,
  deadline: Date,
  requiredApprovals = 1,
): Decision {
  if (settlement.kind !== "decision" || settlement.decisions.length === 0)
    return approvalTimeoutDecision(input, deadline);
  const decidedAt = Date.parse(settlement.decidedAt);
  if (!(decidedAt < deadline.getTime())) return approvalTimeoutDecision(input, deadline);
  const approve = settlement.approve === true && settlement.decisions.every((d) => d.approve === true);
  // N-of-M: a release needs k distinct people; a claim holding fewer (never made by the approvals API) releases nothing.
  const distinct = new Set(settlement.decisions.map((d) => d.approver.objectId)).size;
  if (approve && distinct < requiredApprovals)
    return {
      ...approvalTimeoutDecision(input, deadline),
      reason: `the approval claim holds ${distinct} of the ${requiredApprovals} distinct approvals the verdict needs`,
    };
  const deciding = settlement.decisions.at(-1)!;
  return {
    state: approve ? "Passed" : "Failed",
    by: settlement.decisions.map(approverName).join(", "),
    reason: deciding.reason,
  };
}

/**
 * N-of-M: the verdict the pipeline waits on, saying how many approvals it needs. An index's platforms are judged by
 * the same repository's rule; should they differ (the policy changed between two platform scans), the most wins.
 */
export function withRequiredApprovals(combined: VerdictSummary, verdicts: readonly VerdictSummary[]): VerdictSummary {
  const required = Math.max(requiredApprovalsOf(combined), ...verdicts.map(requiredApprovalsOf));
  return required === requiredApprovalsOf(combined) ? combined : { ...combined, requiredApprovals: required };
}

/** Nobody decided before the deadline: Failed, or (APPROVAL_TIMEOUT_OUTCOME=stay-quarantined) nothing. Never Passed. */
export function approvalTimeoutDecision(input: Pick<PipelineInput, "onApprovalTimeout">, deadline: Date): Decision {
  return {
    state: input.onApprovalTimeout === "stay-quarantined" ? undefined : "Failed",
    by: "gate",
    reason: `no approval before ${deadline.toISOString()}`,
  };
}

/**
 * The outcome when nothing is written: the decision leaves the image quarantined, or shadow mode only says what would
 * have happened. Undefined when the decision must be written to the registry.
 */
export function outcomeWithoutWrite(
  input: Pick<PipelineInput, "mode">,
  decision: Decision,
  verdict: VerdictSummary,
): PipelineOutcome | undefined {
  if (decision.state === undefined)
    return { result: "left-quarantined", verdict, decidedBy: decision.by, reason: decision.reason };
  if (input.mode === "shadow")
    return {
      result: decision.state === "Passed" ? "would-pass" : "would-fail",
      verdict,
      decidedBy: decision.by,
      reason: decision.reason,
    };
  return undefined;
}

/**
 * An OCI artifact instead of an image (never scanned): the gate's own verified attestation of an image it decided is
 * released, so that verifiers without quarantine read can pull it; anything else — unknown types, an attestation that
 * does not verify, one of an undecided subject — stays quarantined, whatever it claims.
 */
export function artifactDecision(artifact: InspectedArtifact): Decision {
  if (artifact.kind === "gate-attestation") return { state: "Passed", by: "gate", reason: artifact.reason };
  return { state: undefined, by: "gate", reason: artifact.reason };
}
