import type { LedgerDecision, VerdictSummary } from "./contract/index.js";
import type { ApprovalTally } from "./contract/payloads.js";

/**
 * How many distinct people must approve a verdict (N-of-M; the policy rule's `approvals`, carried by the verdict).
 * Absent — verdicts from before N-of-M approvals, and rules that ask for one — means 1. A value that is not a
 * number (a verdict not made by this code) fails closed: no number of approvals releases it.
 * Pure: the orchestrator uses it too.
 */
export function requiredApprovalsOf(verdict: Pick<VerdictSummary, "requiredApprovals"> | undefined): number {
  const given: unknown = verdict?.requiredApprovals;
  if (given === undefined) return 1;
  if (typeof given !== "number" || !Number.isFinite(given)) return Number.MAX_SAFE_INTEGER;
  return Math.max(1, Math.ceil(given));
}

/** The approvals a verdict needs and those the ledger counted (the approvals among `decisions`), as the status shows. */
export function tallyOf(required: number, decisions: readonly LedgerDecision[]): ApprovalTally {
  const approvers = decisions
    .filter((d) => d.approve === true)
    .map((d) => ({ name: d.approver.name, objectId: d.approver.objectId, at: d.decidedAt, reason: d.reason }));
  return { required, given: approvers.length, approvers };
}
