import type { ApiRegistration, LocalIdentity, LocalUser } from "../identity/config.js";
import type { Principal } from "../acr-emulator/model.js";
import { APPROVER_AUDIENCE } from "./audience.js";

/** Embedded defaults for `npm start`: fixed loopback ports and a small cast of identities, no configuration needed. */
export const STACK_PORTS = {
  devhost: 7071,
  identity: 7080,
  acr: 5443,
  acrAdmin: 5444,
  scanner: 5445,
} as const;

/** The app's own identity (what Azure would assign to the Function App) and two people's, for the demo. */
export const APP_IDENTITY: LocalIdentity = {
  clientId: "22222222-2222-4222-8222-222222222222",
  objectId: "bbbbbbbb-2222-4222-8222-222222222222",
  displayName: "quarantine-gate-app",
};

export const DEVELOPER_IDENTITY: LocalIdentity = {
  clientId: "33333333-3333-4333-8333-333333333333",
  objectId: "cccccccc-3333-4333-8333-333333333333",
  displayName: "developer (AcrPush)",
};

export const CONSUMER_IDENTITY: LocalIdentity = {
  clientId: "44444444-4444-4444-8444-444444444444",
  objectId: "dddddddd-4444-4444-8444-444444444444",
  displayName: "consumer (AcrPull)",
};

/** A registry token (username/password), like ACR's repository-scoped tokens, so people can use skopeo by hand. */
export const DEMO_CREDENTIALS = { username: "demo", password: "demo-password" } as const;

export const STACK_PRINCIPALS: Principal[] = [
  // As infra grants it: quarantine read and write, Reader on the registry for the sweep's management checks, and
  // AcrPush for the gate's referrers and re-evaluation's manifest lock (infra/modules/registry-access.bicep).
  {
    id: APP_IDENTITY.objectId,
    displayName: APP_IDENTITY.displayName,
    roles: ["AcrQuarantineReader", "AcrQuarantineWriter", "Reader", "AcrPush"],
  },
  { id: DEVELOPER_IDENTITY.objectId, displayName: DEVELOPER_IDENTITY.displayName, roles: ["AcrPush"] },
  { id: CONSUMER_IDENTITY.objectId, displayName: CONSUMER_IDENTITY.displayName, roles: ["AcrPull"] },
  {
    id: DEMO_CREDENTIALS.username,
    displayName: "demo token (push + pull)",
    roles: ["AcrPush"],
    password: DEMO_CREDENTIALS.password,
  },
];

/**
 * The approver API registration, as infra/hooks/approver-app.sh creates it in Entra ID: a client ID, an Application
 * ID URI, the delegated scope `user_impersonation`, and no requested token version — so v1.0 tokens, the default of
 * a new registration (`requestedAccessTokenVersion` null → v1.0, entra-docs access-tokens.md "Token formats").
 * Locally the URI is the fixed `api://acr-quarantine-gate` (in Azure the hook uses the default form `api://<appId>`).
 */
export const APPROVER_API: ApiRegistration = {
  displayName: "ACR Quarantine Gate approvals",
  clientId: "5a9e0000-0000-4000-8000-00000000a001",
  appIdUri: APPROVER_AUDIENCE,
  accessTokenVersion: null,
  scopes: ["user_impersonation"],
};

/**
 * People who decide in the demo: an approver, a break-glass approver who may also override a failed verdict, a viewer
 * with no role on the API, and a reader who may look at status and audit but decide nothing.
 */
export const STACK_PEOPLE: LocalUser[] = [
  {
    objectId: "0a000000-0000-4000-8000-000000000001",
    displayName: "Ada Approver",
    userPrincipalName: "ada@contoso.example",
    roles: ["Quarantine.Approver"],
  },
  {
    objectId: "0a000000-0000-4000-8000-000000000002",
    displayName: "Bo Override",
    userPrincipalName: "bo@contoso.example",
    roles: ["Quarantine.Approver", "Quarantine.Override"],
  },
  { objectId: "0a000000-0000-4000-8000-000000000003", displayName: "Vi Viewer", roles: [] },
  {
    objectId: "0a000000-0000-4000-8000-000000000004",
    displayName: "Rita Reader",
    userPrincipalName: "rita@contoso.example",
    roles: ["Quarantine.Reader"],
  },
];
