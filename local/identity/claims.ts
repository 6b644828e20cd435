import { createHash, randomUUID } from "node:crypto";

/**
 * The claim sets Entra ID puts in the JWTs a web API or a client receives, as the endpoint issues them. Sources
 * (MicrosoftDocs/entra-docs, docs/identity-platform/): access-tokens.md ("Token formats", "Token ownership"),
 * access-token-claims-reference.md (payload claims), id-token-claims-reference.md (ID tokens), optional-claims-reference.md
 * (`idtyp`, v1 `aud`); the local summary is ../shared/reference/entra-tokens.md.
 */

export type TokenVersion = "1.0" | "2.0";

/** The two issuer forms of one tenant, under one authority host. */
export interface Issuers {
  /** v1.0: `https://sts.windows.net/{tid}/` in Azure (trailing slash); locally `<base>/{tid}/`. */
  v1: string;
  /** v2.0: `https://login.microsoftonline.com/{tid}/v2.0`; locally `<base>/{tid}/v2.0`. */
  v2: string;
}

export const issuersUnder = (baseUrl: string, tenantId: string): Issuers => ({
  v1: `${baseUrl}/${tenantId}/`,
  v2: `${baseUrl}/${tenantId}/v2.0`,
});

/** Who a token is about: a person signed in through a client app, or an application (a managed identity) as itself. */
export type TokenSubject =
  | {
      kind: "user";
      objectId: string;
      displayName: string;
      userPrincipalName: string;
      /** The client the person used (`appid` in v1.0, `azp` in v2.0). */
      clientAppId: string;
    }
  | { kind: "app"; objectId: string; clientAppId: string; managedIdentityResourceId?: string };

export interface AccessTokenRequest {
  version: TokenVersion;
  issuers: Issuers;
  tenantId: string;
  /** v1.0: what the client asked for (App ID URI or client ID); v2.0: always the API's client ID. */
  audience: string;
  /** The resource app the token is for (its client ID), which the pairwise `sub` is keyed on. */
  resourceAppId: string;
  subject: TokenSubject;
  /** App roles assigned to the subject on this resource; Entra omits `roles` when there are none. */
  roles: string[];
  /** Delegated scopes granted (user tokens only). */
  scopes: string[];
  issuedAt: number;
  lifetimeSeconds: number;
}

/** `sub` is pairwise: "unique to a particular application ID" (access-token-claims-reference.md, `sub`). */
function pairwiseSubject(objectId: string, appId: string): string {
  return createHash("sha256").update(`${objectId}|${appId.toLowerCase()}`).digest("base64url").slice(0, 43);
}

/** Drops claims without a value: "Claims are present only if a value exists to fill it" (access-token-claims-reference.md). */
function present(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(claims).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  );
}

/**
 * An access token's payload. Both versions: `aud`, `iss`, `iat`, `nbf`, `exp`, `oid`, `sub`, `tid`, `uti`, `ver`,
 * `roles` (app roles), `scp` ("Only included for user tokens"). v1.0 only: `appid`, `appidacr`, `acr`, `amr`, `upn`,
 * `unique_name`. v2.0 only: `azp`, `azpacr`, `preferred_username`. App-only tokens carry `idtyp: "app"` ("By default
 * it's only emitted for app-only tokens", optional-claims-reference.md). Entra's own examples in access-tokens.md have
 * `iat` = `nbf`.
 */
export function accessTokenClaims(request: AccessTokenRequest): Record<string, unknown> {
  const { version, subject, issuedAt } = request;
  const v1 = version === "1.0";
  const user = subject.kind === "user" ? subject : undefined;
  return present({
    aud: request.audience,
    iss: v1 ? request.issuers.v1 : request.issuers.v2,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + request.lifetimeSeconds,
    acr: v1 && user ? "1" : undefined,
    amr: v1 && user ? ["pwd"] : undefined,
    appid: v1 ? subject.clientAppId : undefined,
    appidacr: v1 ? (user ? "0" : "2") : undefined,
    azp: v1 ? undefined : subject.clientAppId,
    azpacr: v1 ? undefined : user ? "0" : "2",
    idp: subject.kind === "app" && v1 ? request.issuers.v1 : undefined,
    idtyp: subject.kind === "app" ? "app" : undefined,
    name: user?.displayName,
    oid: subject.objectId,
    preferred_username: !v1 ? user?.userPrincipalName : undefined,
    roles: request.roles,
    scp: user ? request.scopes.join(" ") || undefined : undefined,
    sub: user ? pairwiseSubject(subject.objectId, request.resourceAppId) : subject.objectId,
    tid: request.tenantId,
    unique_name: v1 ? user?.userPrincipalName : undefined,
    upn: v1 ? user?.userPrincipalName : undefined,
    uti: randomUUID().replace(/-/g, "").slice(0, 22),
    ver: version,
    xms_mirid: subject.kind === "app" ? subject.managedIdentityResourceId : undefined,
  });
}

export interface IdTokenRequest {
  /** "The version is based on the endpoint from where it was requested" (id-token-claims-reference.md). */
  version: TokenVersion;
  issuers: Issuers;
  tenantId: string;
  /** The client app that signed the user in: an ID token's `aud` is always its client ID. */
  clientId: string;
  user: { objectId: string; displayName: string; userPrincipalName: string };
  /** Roles assigned to the user on the client app ("The set of roles that were assigned to the user who is logging in"). */
  roles: string[];
  nonce?: string;
  issuedAt: number;
  lifetimeSeconds: number;
}

/**
 * An ID token's payload (id-token-claims-reference.md): `aud` = the client's app ID, `nonce` (echoes the authorize
 * request), no `appid`/`azp`, no `scp`; `preferred_username` only in v2.0, `unique_name` only in v1.0, `amr` in v1.0.
 * The endpoint issues these only so that tests can prove the API refuses them.
 */
export function idTokenClaims(request: IdTokenRequest): Record<string, unknown> {
  const v1 = request.version === "1.0";
  return present({
    aud: request.clientId,
    iss: v1 ? request.issuers.v1 : request.issuers.v2,
    iat: request.issuedAt,
    nbf: request.issuedAt,
    exp: request.issuedAt + request.lifetimeSeconds,
    amr: v1 ? ["pwd"] : undefined,
    name: request.user.displayName,
    nonce: request.nonce,
    oid: request.user.objectId,
    preferred_username: v1 ? undefined : request.user.userPrincipalName,
    roles: request.roles,
    sub: pairwiseSubject(request.user.objectId, request.clientId),
    tid: request.tenantId,
    unique_name: v1 ? request.user.userPrincipalName : undefined,
    upn: v1 ? request.user.userPrincipalName : undefined,
    uti: randomUUID().replace(/-/g, "").slice(0, 22),
    ver: request.version,
  });
}
