/** One managed identity the local endpoint can issue tokens for (client id → object id → display name). */
export interface LocalIdentity {
  clientId: string;
  objectId: string;
  displayName: string;
  /** ARM resource id of a user-assigned identity, for `mi_res_id` requests. */
  resourceId?: string;
}

/** A person (or app) the endpoint can mint delegated tokens for in tests, e.g. an approver with app roles. */
export interface LocalUser {
  objectId: string;
  displayName: string;
  roles: string[];
}

export interface IdentityConfig {
  tenantId: string;
  /** The secret the App Service protocol puts in IDENTITY_HEADER and expects back as X-IDENTITY-HEADER. */
  identityHeader: string;
  /** The identity answered when a request names none (the "system-assigned" one). */
  systemAssigned: LocalIdentity;
  userAssigned: LocalIdentity[];
  users: LocalUser[];
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
  tokenLifetimeSeconds: 3600,
});

/** Finds the identity a token request names by exactly one of client id, object/principal id or resource id. */
export function findIdentity(
  config: IdentityConfig,
  selector: { clientId?: string; objectId?: string; resourceId?: string },
): LocalIdentity | undefined {
  const all = [config.systemAssigned, ...config.userAssigned];
  const eq = (a: string | undefined, b: string | undefined) =>
    a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
  if (selector.clientId) return all.find((i) => eq(i.clientId, selector.clientId));
  if (selector.objectId) return all.find((i) => eq(i.objectId, selector.objectId));
  if (selector.resourceId) return all.find((i) => eq(i.resourceId, selector.resourceId));
  return config.systemAssigned;
}
