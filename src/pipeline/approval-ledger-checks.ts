import { AUDIT_ACTION, type AuditAction } from "../audit/actions.js";
import type { AuditRecord } from "../audit/audit-log.js";
import type { ApprovalLedger } from "./approval-ledger.js";
import { requiredApprovalsOf, tallyOf } from "./approval-ledger-terms.js";
import { verdictIdentity } from "./approval-ledger-verdict.js";
import {
  imageReference,
  type ApprovalConfirmation,
  type ApprovalDecision,
  type ApprovalRound,
  type ApprovalSettlement,
  type ConfirmApprovalInput,
  type LedgerDecision,
} from "./contract/index.js";

/**
 * Where the approval activities and the approvals API write audit records. `key` names the event, so a repeated write
 * of the same event finds its row (audit rows are written insert-if-absent by key); a store that does not take keys
 * ignores it.
 */
export interface DecisionAudit {
  record(entry: AuditRecord & { action: AuditAction }, key?: { scope: string; identity: string }): Promise<void>;
}

/** Does the round's claimed outcome hold this event's decision (same person, time and choice)? */
export function ledgerBacks(settlement: ApprovalSettlement | undefined, event: unknown): boolean {
  if (settlement?.kind !== "decision") return false;
  return holdsEvent(settlement.decisions, event);
}

/** Is this event's decision (same person, time and choice) one of these ledger decisions? */
function holdsEvent(decisions: readonly LedgerDecision[], event: unknown): boolean {
  if (typeof event !== "object" || event === null) return false;
  const given = event as Partial<ApprovalDecision>;
  const objectId = given.approver?.objectId;
  if (typeof objectId !== "string" || typeof given.decidedAt !== "string") return false;
  return decisions.some(
    (d) =>
      d.approver.objectId === objectId && d.decidedAt === given.decidedAt && d.approve === (given.approve === true),
  );
}

function describeEvent(event: unknown): { actor: string; summary: string } {
  const given = (typeof event === "object" && event !== null ? event : {}) as Partial<ApprovalDecision>;
  const name = typeof given.approver?.name === "string" ? given.approver.name : "nobody";
  const objectId = typeof given.approver?.objectId === "string" ? given.approver.objectId : "no object id";
  const choice = given.approve === true ? "approve" : "reject";
  const reason = typeof given.reason === "string" ? given.reason.slice(0, 500) : "";
  return {
    actor: `unverified: ${name} (${objectId})`,
    summary: `${choice} at ${String(given.decidedAt)}: "${reason}"`,
  };
}

/**
 * confirmApprovalDecision: an ApprovalDecision event counts only when the approval ledger backs that decision — the
 * round's claimed outcome holds it, or (N-of-M) it is an approval the ledger counted for the verdict the pipeline
 * waits on, and then the approvals so far are returned and the wait goes on. Otherwise it was raised by someone with
 * access to the durable API, not by the approvals API: it is audited as forged and ignored. Idempotent: reads, and an
 * audit row keyed by the event.
 */
export async function confirmApprovalDecision(
  services: { ledger: Pick<ApprovalLedger, "settlement" | "countedApprovals">; audit: DecisionAudit },
  input: ConfirmApprovalInput,
  now: Date,
): Promise<ApprovalConfirmation> {
  const settlement = await services.ledger.settlement(input.round);
  if (settlement?.kind === "decision" && ledgerBacks(settlement, input.event)) return { counted: true, settlement };
  const required = requiredApprovalsOf(input.verdict);
  if (input.verdict && required > 1) {
    const approvals = await services.ledger.countedApprovals(input.round, verdictIdentity(input.verdict));
    if (holdsEvent(approvals, input.event)) {
      // An approval that counted: the claimed outcome (it came in meanwhile) decides, or the wait goes on.
      if (settlement?.kind === "decision") return { counted: true, settlement };
      if (!settlement) return { counted: true, pending: tallyOf(required, approvals) };
      return { counted: false, reason: "a genuine approval, but the deadline claimed the round before it completed" };
    }
  }
  const { actor, summary } = describeEvent(input.event);
  const reason = `an ApprovalDecision event (${summary}) that no approval-ledger decision backs was ignored`;
  await services.audit.record(
    {
      image: imageReference(input.round.image),
      action: AUDIT_ACTION.forgedDecision,
      actor,
      at: now.toISOString(),
      reason,
      instanceId: input.round.instanceId,
    },
    { scope: input.round.instanceId, identity: `forged|${input.round.deadline}|${summary}|${actor}` },
  );
  return { counted: false, reason };
}

/**
 * settleApprovalDeadline: the pipeline's deadline fired first; the deadline claims the round's outcome, unless a
 * decision claimed it before. Idempotent: insert-if-absent, and a repeat reads the claim that holds.
 */
export function settleApprovalDeadline(
  services: { ledger: Pick<ApprovalLedger, "claimDeadline"> },
  round: ApprovalRound,
  now: Date,
): Promise<ApprovalSettlement> {
  return services.ledger.claimDeadline(round, now);
}
