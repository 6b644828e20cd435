import { ApproverAuthError } from "./errors.js";

/**
 * The app roles of the approver API registration (created by infra/hooks/approver-app.sh; docs/approver-app.md).
 * Entra puts the roles assigned to the caller on this API in the token's `roles` claim
 * (access-token-claims-reference.md, `roles`).
 */
/** Decide on an image waiting for approval; list pending approvals. */
export const APPROVER_ROLE = "Quarantine.Approver";
/** Break-glass: release an image whose verdict failed (with a justification); always together with APPROVER_ROLE. */
export const OVERRIDE_ROLE = "Quarantine.Override";
/** Read-only: image status, pending approvals and the audit trail. It can decide nothing. */
export const READER_ROLE = "Quarantine.Reader";

/** Every role that may read status, pending approvals and audit (a decider may also look). */
export const READ_ROLES: readonly string[] = [READER_ROLE, APPROVER_ROLE, OVERRIDE_ROLE];

/** The roles the gate defines, for the deployment hook and docs to agree with. */
export const GATE_ROLES: readonly string[] = [APPROVER_ROLE, OVERRIDE_ROLE, READER_ROLE];

/** Who is calling, as proven by a verified Entra ID access token (never by a header a caller could set). */
export interface Approver {
  /** `oid`: the stable object ID of the user or service principal. */
  objectId: string;
  /** `tid` */
  tenantId: string;
  /** For display and audit only: `name`, else the user name (`upn`/`unique_name` in v1.0, `preferred_username` in v2.0). */
  name: string;
  /** `roles`: the app roles assigned on the approver API; empty when the claim is absent. */
  roles: string[];
  /** "user" for a delegated token (`scp` present), "app" for an app-only one (`idtyp` "app", no `scp`). */
  kind: "user" | "app";
  /** The client the token was obtained through: `appid` (v1.0) or `azp` (v2.0). */
  clientAppId: string;
  /** `ver` */
  tokenVersion: "1.0" | "2.0";
}

/** Refuses (403) a caller without `role`. */
export function requireRole(approver: Approver, role: string): void {
  if (!approver.roles.includes(role))
    throw new ApproverAuthError(403, `${approver.name} lacks the app role ${role}`, { reason: "missing-role" });
}

/** Refuses (403) a caller with none of `roles` (e.g. READ_ROLES for status and audit reads). */
export function requireAnyRole(approver: Approver, roles: readonly string[]): void {
  if (!roles.some((role) => approver.roles.includes(role)))
    throw new ApproverAuthError(403, `${approver.name} has none of the app roles ${roles.join(", ")}`, {
      reason: "missing-role",
    });
}
