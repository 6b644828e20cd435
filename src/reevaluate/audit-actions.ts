import { AUDIT_ACTION } from "../audit/actions.js";

/** What re-evaluation writes in an audit record's `action`: its part of the one vocabulary (src/audit/actions.ts). */
export const REMEDIATION_AUDIT_ACTION = {
  opened: AUDIT_ACTION.remediationOpened,
  reminder: AUDIT_ACTION.remediationReminder,
  closed: AUDIT_ACTION.remediationClosed,
  due: AUDIT_ACTION.remediationDue,
  rescanUnusable: AUDIT_ACTION.rescanUnusable,
  reblocked: AUDIT_ACTION.reblocked,
  reopened: AUDIT_ACTION.reopened,
} as const;

export type RemediationAuditAction = (typeof REMEDIATION_AUDIT_ACTION)[keyof typeof REMEDIATION_AUDIT_ACTION];
