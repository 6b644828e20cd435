import { DEFAULTS } from "./defaults.js";
import { type ConfigDuration, type Env, Reader } from "./reader.js";

/** Approvals: the deadline, what a timeout does, and the approver API's Entra ID registration. */

export interface ApprovalConfig {
  /** APPROVAL_DEADLINE */
  deadline: ConfigDuration;
  /**
   * APPROVER_TENANT_ID: the Entra tenant of the approver API registration; its `tid` and both issuer forms are
   * pinned to it. With APPROVER_CLIENT_ID unset, approvals are closed (no token can be accepted).
   */
  tenantId: string | undefined;
  /**
   * APPROVER_CLIENT_ID: the application (client) ID of the approver API registration — the `aud` of every v2.0
   * token and a possible `aud` of v1.0 tokens (access-token-claims-reference.md, `aud`).
   */
  clientId: string | undefined;
  /** APPROVER_APP_ID_URI: its Application ID URI (e.g. `api://<clientId>`), the usual `aud` of v1.0 tokens. */
  appIdUri: string | undefined;
  /**
   * APPROVER_AUTHORITY_HOST: where the tenant's OpenID metadata (issuers, keys) is read, default Entra ID's global
   * `https://login.microsoftonline.com` (national clouds: `https://login.microsoftonline.us`,
   * `https://login.partner.microsoftonline.cn`, entra-docs authentication-national-cloud.md). Locally the identity
   * endpoint: plain http is accepted only for a loopback host. No trailing slash.
   */
  authorityHost: string;
  /** APPROVAL_TIMEOUT_OUTCOME: what a missed approval deadline turns into — Failed (default) or stay-quarantined. */
  onTimeout: "Failed" | "stay-quarantined";
}

/** APPROVER_AUTHORITY_HOST's default: Entra ID's global authority (entra-docs authentication-national-cloud.md). */
export const ENTRA_GLOBAL_AUTHORITY_HOST = "https://login.microsoftonline.com";

export function approvalConfig(env: Env = process.env): ApprovalConfig {
  const r = new Reader(env);
  const deadline = r.duration("APPROVAL_DEADLINE", DEFAULTS.APPROVAL_DEADLINE);
  const tenantId = r.optionalGuid("APPROVER_TENANT_ID")?.toLowerCase();
  const clientId = r.optionalGuid("APPROVER_CLIENT_ID")?.toLowerCase();
  const appIdUri = r.raw("APPROVER_APP_ID_URI");
  if (appIdUri !== undefined) {
    // An identifier URI is an absolute URI such as api://<appId> or https://<verified domain>/…
    // (entra-docs identifier-uri-restrictions.md); a bare GUID is the client ID, which has its own setting.
    const absolute = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(appIdUri);
    if (!absolute)
      r.problems.push(
        `APPROVER_APP_ID_URI must be an absolute URI such as api://<client id>, got ${JSON.stringify(appIdUri.slice(0, 200))}`,
      );
  }
  const authority = r.url(
    "APPROVER_AUTHORITY_HOST",
    ["https", "http"],
    r.raw("APPROVER_AUTHORITY_HOST", ENTRA_GLOBAL_AUTHORITY_HOST),
  );
  const loopback = (host: string) => host === "127.0.0.1" || host === "[::1]" || host === "localhost";
  if (authority && authority.protocol === "http:" && !loopback(authority.hostname))
    r.problems.push(
      `APPROVER_AUTHORITY_HOST must use https; plain http is accepted only for a loopback host (the local identity endpoint), got ${authority.origin}`,
    );
  if (authority && (authority.pathname !== "/" || authority.search !== "" || authority.hash !== ""))
    r.problems.push(
      `APPROVER_AUTHORITY_HOST must be a scheme and host only (e.g. ${ENTRA_GLOBAL_AUTHORITY_HOST}), got ${JSON.stringify(authority.href.slice(0, 200))}`,
    );
  const onTimeout = r.raw("APPROVAL_TIMEOUT_OUTCOME", "Failed");
  if (onTimeout !== "Failed" && onTimeout !== "stay-quarantined")
    r.problems.push(`APPROVAL_TIMEOUT_OUTCOME must be Failed or stay-quarantined, got "${onTimeout}"`);
  return r.done({
    deadline,
    tenantId,
    clientId,
    appIdUri,
    authorityHost: authority?.origin ?? ENTRA_GLOBAL_AUTHORITY_HOST,
    onTimeout: onTimeout === "stay-quarantined" ? "stay-quarantined" : "Failed",
  });
}
