import { approvalConfig } from "../config.js";
import { ApproverAuthError, ApproverTokenVerifier } from "./approver-token.js";

let verifier: ApproverTokenVerifier | undefined;

/**
 * The verifier for approvers' tokens (APPROVER_AUDIENCE, and APPROVER_ISSUER or Entra ID for APPROVER_TENANT_ID).
 * Without both, approvals are closed: every request is refused rather than trusted.
 */
export function approverVerifier(): ApproverTokenVerifier {
  if (verifier) return verifier;
  const config = approvalConfig();
  if (!config.audience || !config.issuer) {
    throw new ApproverAuthError(
      401,
      "approvals are closed: APPROVER_AUDIENCE and APPROVER_TENANT_ID (or APPROVER_ISSUER) are not set",
    );
  }
  verifier = new ApproverTokenVerifier({ issuer: config.issuer, audience: config.audience });
  return verifier;
}
