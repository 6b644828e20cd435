import {
  InteractionRequiredAuthError,
  ProtocolMode,
  PublicClientApplication,
  type AccountInfo,
} from "@azure/msal-browser";

/**
 * Sign-in with @azure/msal-browser: authorization code flow with PKCE (the only flow MSAL.js 2+ uses for SPAs,
 * learn.microsoft.com/entra/identity-platform/msal-overview "MSAL.js 2 … authorization code flow with PKCE"), redirect
 * interaction, tokens cached in sessionStorage (MSAL's default `cacheLocation`, msal-browser docs/caching.md) and in
 * memory here — never in a URL. The settings come from the app (`config.json`, src/pipeline/views/page-config.ts):
 * in Entra ID protocol mode AAD with authority `https://login.microsoftonline.com/<tenant>`; locally protocol mode
 * OIDC against the identity endpoint's https front with its host in `knownAuthorities` (docs/configuration.md).
 */
export interface SignInConfig {
  clientId: string;
  authority: string;
  knownAuthorities: string[];
  protocolMode: "AAD" | "OIDC";
  scopes: string[];
}

export interface Session {
  account: AccountInfo;
  /** The access token for the approver API (bearer for approvals and views). */
  token(): Promise<string>;
  /** App roles from the access token: what the page offers (the API decides). */
  roles: string[];
  name: string;
  signOut(): Promise<void>;
}

const redirectUri = () => `${location.origin}/api/ui/`;

/** The one MSAL client of the page, from the app's settings (see the comment above for each option's source). */
async function createClient(config: SignInConfig): Promise<PublicClientApplication> {
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      knownAuthorities: config.knownAuthorities,
      redirectUri: redirectUri(),
      postLogoutRedirectUri: redirectUri(),
    },
    cache: { cacheLocation: "sessionStorage" },
    system: { protocolMode: config.protocolMode === "OIDC" ? ProtocolMode.OIDC : ProtocolMode.AAD },
  });
  await msal.initialize();
  return msal;
}

/** Finishes a sign-in redirect if one is coming back, and returns the session of the signed-in person, if any. */
export async function startSession(config: SignInConfig): Promise<Session | undefined> {
  const msal = await createClient(config);
  const redirect = await msal.handleRedirectPromise();
  const account = redirect?.account ?? msal.getAllAccounts()[0];
  if (!account) return undefined;
  msal.setActiveAccount(account);
  const token = async (): Promise<string> => {
    try {
      return (await msal.acquireTokenSilent({ scopes: config.scopes, account })).accessToken;
    } catch (error) {
      // No refresh token left (or consent needed): sign in again, by redirect.
      if (error instanceof InteractionRequiredAuthError)
        await msal.acquireTokenRedirect({ scopes: config.scopes, account });
      throw error;
    }
  };
  const first = redirect?.accessToken || (await token());
  return {
    account,
    token,
    roles: rolesOf(first),
    name: account.name ?? account.username,
    signOut: () => msal.logoutRedirect({ account }),
  };
}

export async function signIn(config: SignInConfig): Promise<void> {
  await (await createClient(config)).loginRedirect({ scopes: config.scopes });
}

/** The `roles` claim of the access token, read without verifying (display only; the API verifies). */
export function rolesOf(accessToken: string): string[] {
  try {
    const payload = accessToken.split(".")[1] ?? "";
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
    const roles = (JSON.parse(json) as { roles?: unknown }).roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [];
  } catch {
    return [];
  }
}
