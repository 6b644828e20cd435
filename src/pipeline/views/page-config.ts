import { isLoopbackAuthority } from "../../auth/entra-metadata.js";

/**
 * What the approval page needs to sign people in with @azure/msal-browser (served as `ui/config.json`, so one build
 * works in every deployment). The page signs in as the approver API's own app registration (a SPA platform on it with
 * the page's redirect URI) and asks for that API's delegated scope.
 *
 * MSAL settings (learn.microsoft.com/entra/identity-platform/msal-client-application-configuration and
 * msal-browser docs/configuration.md): `auth.clientId`; `auth.authority` `https://login.microsoftonline.com/{tenant}`
 * for a single-tenant app in Entra ID (protocol mode AAD, the default); for any other OpenID Connect provider
 * `protocolMode: "OIDC"` with the provider's host in `knownAuthorities` (docs/configuration.md, `protocolMode`,
 * `knownAuthorities`: "authorities that MSAL should trust … used when the authority is not a Microsoft Entra
 * authority"). Scope: `<App ID URI>/user_impersonation` (the scope infra/hooks/approver-app.sh exposes), or
 * `<client id>/.default` when the registration has no App ID URI.
 */
export interface PageConfig {
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  protocolMode: "AAD" | "OIDC";
  scopes: string[];
}

export interface ApproverSettings {
  tenantId?: string;
  clientId?: string;
  appIdUri?: string;
  authorityHost: string;
}

/** undefined when approvals are closed (no tenant or client ID): the page then says so and offers no sign-in. */
export function pageConfig(settings: ApproverSettings): PageConfig | undefined {
  const { tenantId, clientId, appIdUri, authorityHost } = settings;
  if (!tenantId || !clientId) return undefined;
  const scopes = [appIdUri ? `${appIdUri.replace(/\/$/, "")}/user_impersonation` : `${clientId}/.default`];
  if (isLoopbackAuthority(authorityHost)) {
    // The local identity endpoint serves its sign-in front on the same port over https (local/identity/sign-in.ts).
    const secure = authorityHost.replace(/^http:/, "https:");
    return {
      clientId,
      authority: `${secure}/${tenantId}/v2.0`,
      knownAuthorities: [new URL(secure).host],
      protocolMode: "OIDC",
      scopes,
    };
  }
  return {
    clientId,
    authority: `${authorityHost}/${tenantId}`,
    knownAuthorities: [],
    protocolMode: "AAD",
    scopes,
  };
}
