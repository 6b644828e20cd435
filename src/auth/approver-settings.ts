import { approvalConfig } from "../config.js";
import { ApproverTokenVerifier } from "./approver-token.js";
import { ApproverAuthError } from "./errors.js";

let cached: { key: string; verifier: ApproverTokenVerifier } | undefined;

/**
 * The verifier for approvers' tokens, from APPROVER_TENANT_ID, APPROVER_CLIENT_ID, APPROVER_APP_ID_URI and
 * APPROVER_AUTHORITY_HOST (src/config.ts approvalConfig). Without a tenant and a client ID, approvals are closed:
 * every request is refused rather than trusted.
 */
export function approverVerifier(): ApproverTokenVerifier {
  const config = approvalConfig();
  if (!config.tenantId || !config.clientId) {
    throw new ApproverAuthError(
      401,
      "approvals are closed: APPROVER_TENANT_ID and APPROVER_CLIENT_ID (the approver API registration) are not set",
      { reason: "approvals-closed" },
    );
  }
  const settings = {
    tenantId: config.tenantId,
    clientId: config.clientId,
    appIdUri: config.appIdUri,
    authorityHost: config.authorityHost,
  };
  const key = JSON.stringify(settings);
  if (cached?.key !== key) cached = { key, verifier: new ApproverTokenVerifier(settings) };
  return cached.verifier;
}
