/**
 * What re-evaluation writes in an audit record's `action`. These are not yet in src/audit/actions.ts (owned
 * elsewhere; the report to the lead asks for them to be added there); until then the activity writes them through
 * AuditLog.record with this vocabulary, and nothing else.
 */
export const REMEDIATION_AUDIT_ACTION = {
  /** A new violating finding on a released image: a record with a deadline. */
  opened: "remediation-opened",
  /** A reminder before a deadline. */
  reminder: "remediation-reminder",
  /** An exception or VEX statement covers the finding now, or it no longer violates. */
  closed: "remediation-closed",
  /** A deadline passed: blocked, warned, or an approval asked for (protected repository). */
  due: "remediation-due",
  /** The re-scan gave no usable judgement: nothing opened or closed. */
  rescanUnusable: "rescan-unusable",
  /** The gate locked a released image (readEnabled=false, quarantineState=Failed where accepted). */
  reblocked: "reblocked",
  /** The gate re-opened an image it had locked: a passing judgement after every blocked finding closed. */
  reopened: "reopened",
} as const;

export type RemediationAuditAction = (typeof REMEDIATION_AUDIT_ACTION)[keyof typeof REMEDIATION_AUDIT_ACTION];
