/**
 * Caller authentication and authorisation for the HTTP handlers. Which handler requires which role:
 * - POST approvals/{instanceId}: APPROVER_ROLE; releasing an image whose verdict failed also OVERRIDE_ROLE
 *   (src/pipeline/approvals.ts `decide`).
 * - GET approvals (pending list), image status, audit reads: any of READ_ROLES (READER_ROLE, APPROVER_ROLE,
 *   OVERRIDE_ROLE), via `requireAnyRole`.
 */
export { approverVerifier } from "./approver-settings.js";
export { ApproverTokenVerifier, type ApproverTokenSettings } from "./approver-token.js";
export { ApproverAuthError, type ApproverAuthReason } from "./errors.js";
export {
  APPROVER_ROLE,
  GATE_ROLES,
  OVERRIDE_ROLE,
  READER_ROLE,
  READ_ROLES,
  requireAnyRole,
  requireRole,
  type Approver,
} from "./roles.js";
