/** One managed identity the local endpoint can issue tokens for (client id → object id → display name). */
export interface LocalIdentity {
  clientId: string;
  objectId: string;
  displayName: string;
  /** ARM resource id of a user-assigned identity, for `mi_res_id` requests. */
  resourceId?: string;
  /** App roles assigned to this identity's service principal on the registered APIs (app-only `roles` claim). */
  appRoles?: string[];
}

/** A person the endpoint can mint delegated tokens for in tests, e.g. an approver with app roles. */
export interface LocalUser {
  objectId: string;
  displayName: string;
  /** App roles assigned to the user on the registered APIs (Entra puts them in `roles` only for that API's tokens). */
  roles: string[];
  /** userPrincipalName, shown as `upn`/`unique_name` in v1.0 tokens and `preferred_username` in v2.0 tokens. */
  userPrincipalName?: string;
}

/**
 * A web API registered in the tenant (an Entra "app registration" that exposes an API), as the approvals API is.
 * The access-token version belongs to the API, not to the client or the endpoint the client used: `accessTokenVersion`
 * is Graph's `api.requestedAccessTokenVersion` (manifest `accessTokenAcceptedVersion`), and null or 1 gives v1.0
 * tokens, 2 gives v2.0 (MicrosoftDocs/entra-docs access-tokens.md "Token formats" and "Token ownership";
 * microsoft-graph-docs apiApplication.md: "If the value is null, this defaults to 1").
 */
export interface ApiRegistration {
  displayName: string;
  /** The application (client) ID, `appId`. */
  clientId: string;
  /** The Application ID URI (`identifierUris[0]`), e.g. `api://<clientId>`; a registration may have none. */
  appIdUri?: string;
  /** null (a new registration's default) or 1 → v1.0 access tokens; 2 → v2.0. */
  accessTokenVersion: 1 | 2 | null;
  /** The delegated scopes the API exposes (`api.oauth2PermissionScopes[].value`). */
  scopes: string[];
}

export interface IdentityConfig {
  tenantId: string;
  /** The secret the App Service protocol puts in IDENTITY_HEADER and expects back as X-IDENTITY-HEADER. */
  identityHeader: string;
  /** The identity answered when a request names none (the "system-assigned" one). */
  systemAssigned: LocalIdentity;
  userAssigned: LocalIdentity[];
  users: LocalUser[];
  /** Web APIs registered in the tenant; a resource that is none of them is treated as an Azure (Microsoft) resource. */
  apis: ApiRegistration[];
  /** The public client people use to get delegated tokens locally (a stand-in for Azure CLI or a portal): `appid`/`azp`. */
  delegatedClientId: string;
  tokenLifetimeSeconds: number;
}

export const defaultIdentityConfig = (): IdentityConfig => ({
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  identityHeader: "local-identity-header",
  systemAssigned: {
    clientId: "11111111-1111-4111-8111-111111111111",
    objectId: "aaaaaaaa-1111-4111-8111-111111111111",
    displayName: "quarantine-gate (system-assigned)",
  },
  userAssigned: [
    {
      clientId: "22222222-2222-4222-8222-222222222222",
      objectId: "bbbbbbbb-2222-4222-8222-222222222222",
      displayName: "quarantine-gate-app",
      resourceId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.ManagedIdentity/userAssignedIdentities/quarantine-gate-app",
    },
  ],
  users: [],
  apis: [],
  delegatedClientId: "0c1e0000-0000-4000-8000-00000000c11e",
  tokenLifetimeSeconds: 3600,
});

const sameText = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Finds the identity a token request names by exactly one of client id, object/principal id or resource id. */
export function findIdentity(
  config: IdentityConfig,
  selector: { clientId?: string; objectId?: string; resourceId?: string },
): LocalIdentity | undefined {
  const all = [config.systemAssigned, ...config.userAssigned];
  if (selector.clientId) return all.find((i) => sameText(i.clientId, selector.clientId));
  if (selector.objectId) return all.find((i) => sameText(i.objectId, selector.objectId));
  if (selector.resourceId) return all.find((i) => sameText(i.resourceId, selector.resourceId));
  return config.systemAssigned;
}

/** What a token is requested for: a registered API (and which of its identifiers the client used), or an Azure resource. */
export type ResolvedResource =
  { kind: "api"; api: ApiRegistration; requested: string; scopes: string[] } | { kind: "azure"; requested: string };

/**
 * Resolves a v1 `resource` (`api://x`, a client ID, `https://management.azure.com/`) or a v2 `scope`
 * (`api://x/.default`, `api://x/user_impersonation`, `<clientId>/.default`). An Application ID URI may be asked for
 * with or without a trailing slash (optional-claims-reference.md, `aud`: "any appID URI, with or without a trailing
 * slash, and the client ID of the resource"). Anything else is an Azure resource, for which Entra issues v1.0 tokens.
 */
export function resolveResource(config: IdentityConfig, requested: string): ResolvedResource {
  const bare = requested.replace(/\/\.default$/, "");
  const byIdentifier = (identifier: string) =>
    config.apis.find(
      (api) =>
        sameText(api.clientId, identifier) ||
        (api.appIdUri !== undefined &&
          (api.appIdUri === identifier || api.appIdUri.replace(/\/$/, "") === identifier.replace(/\/$/, ""))),
    );
  const whole = byIdentifier(bare);
  if (whole) return { kind: "api", api: whole, requested: bare, scopes: whole.scopes };
  const cut = bare.lastIndexOf("/");
  if (cut > 0) {
    const api = byIdentifier(bare.slice(0, cut));
    const scope = bare.slice(cut + 1);
    if (api && api.scopes.includes(scope)) return { kind: "api", api, requested: bare.slice(0, cut), scopes: [scope] };
  }
  return { kind: "azure", requested: bare };
}
