/**
 * What the gate writes in an audit record's `action`: what happened to the image, in words that say it. One record per
 * decision; the actor, reason, verdict and quarantine state say the rest (docs/pipeline.md, "Audit").
 */
export const AUDIT_ACTION = {
  /** The gate wrote Passed: a pass verdict, or a person's approval. */
  released: "released",
  /** The gate wrote Failed: a failing verdict, a person's rejection, or an approval deadline that fails. */
  failed: "failed",
  /**
   * The pipeline ended and wrote nothing: the scan failed, the write failed, or the approval deadline keeps it; or a
   * break-glass release whose write the registry refused.
   */
  leftQuarantined: "left-quarantined",
  /** A holder of Quarantine.Override released an image whose verdict failed (break-glass). */
  overridden: "overridden",
  /** The compliance sweep wrote Failed: pending longer than MAX_QUARANTINE_AGE. */
  expired: "expired",
  /** The registry already showed Passed or Failed; the gate left it alone. */
  alreadyDecided: "already-decided",
  /** Shadow mode: the gate would have written Passed (nothing was written). */
  wouldRelease: "would-release",
  /** Shadow mode: the gate would have written Failed (nothing was written). */
  wouldFail: "would-fail",
  /**
   * A person's decision that did not count (another decision claimed the outcome first, it came after the deadline,
   * or the image was decided or not waiting); the approvals API answered 409 with the current outcome.
   */
  notCounted: "not-counted",
  /** An approval that counts toward an N-of-M round but does not complete it (the API answered 202 with the counts). */
  counted: "counted",
  /** An ApprovalDecision event no approval-ledger row backs (raised through the durable API): ignored. */
  forgedDecision: "forged-decision",
  // Re-evaluation of released images (docs/reevaluation.md), actor `gate:reevaluation`:
  /** A new violating finding on a released image: a remediation record with a deadline. */
  remediationOpened: "remediation-opened",
  /** A reminder before a remediation deadline. */
  remediationReminder: "remediation-reminder",
  /** An exception or VEX statement covers the finding now, or it no longer violates. */
  remediationClosed: "remediation-closed",
  /** A remediation deadline passed: blocked, warned, or an approval asked for (protected repository). */
  remediationDue: "remediation-due",
  /** A re-scan gave no usable judgement: nothing opened or closed. */
  rescanUnusable: "rescan-unusable",
  /**
   * The gate locked a released image (readEnabled=false, quarantineState=Failed where accepted): a remediation
   * deadline, or a break-glass override that expired while the image still fails.
   */
  reblocked: "reblocked",
  /** The gate re-opened an image it had locked (a passing judgement, or a person's release). */
  reopened: "reopened",
} as const;

export type AuditAction = (typeof AUDIT_ACTION)[keyof typeof AUDIT_ACTION];

export const AUDIT_ACTIONS: readonly AuditAction[] = Object.values(AUDIT_ACTION);
