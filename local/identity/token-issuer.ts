import { SignJWT } from "jose";
import type { IdentityConfig, LocalIdentity, LocalUser, ResolvedResource } from "./config.js";
import type { SigningKey } from "./keys.js";
import { accessTokenClaims, idTokenClaims, type Issuers, type TokenSubject, type TokenVersion } from "./claims.js";

export interface IssuedToken {
  token: string;
  expiresOn: number;
}

/** The version a resource gets: its registration's (null → v1.0, access-tokens.md); Azure resources get v1.0. */
function versionFor(resource: ResolvedResource): TokenVersion {
  return resource.kind === "api" && resource.api.accessTokenVersion === 2 ? "2.0" : "1.0";
}

/**
 * `aud` as Entra sets it: "In v2.0 tokens, this value is always the client ID of the API. In v1.0 tokens, it can be
 * the client ID or the resource URI used in the request" (access-token-claims-reference.md, `aud`).
 */
function audienceFor(resource: ResolvedResource, version: TokenVersion): string {
  if (resource.kind === "api" && version === "2.0") return resource.api.clientId;
  return resource.requested;
}

/** Signs Entra-ID-shaped access tokens (and, for refusal tests, ID tokens) with the endpoint's key. */
export class TokenIssuer {
  constructor(
    private readonly key: SigningKey,
    readonly issuers: Issuers,
    private readonly config: IdentityConfig,
  ) {}

  /** A managed identity's token (client credentials of its service principal: app-only, no `scp`). */
  forIdentity(identity: LocalIdentity, resource: ResolvedResource, lifetimeSeconds: number): Promise<IssuedToken> {
    const subject: TokenSubject = {
      kind: "app",
      objectId: identity.objectId,
      clientAppId: identity.clientId,
      managedIdentityResourceId: identity.resourceId,
    };
    const roles = resource.kind === "api" ? (identity.appRoles ?? []) : [];
    return this.access(subject, resource, roles, [], lifetimeSeconds);
  }

  /** A person's delegated token, obtained through `clientAppId` (the local stand-in for Azure CLI or a portal). */
  forUser(
    user: LocalUser,
    resource: ResolvedResource,
    lifetimeSeconds: number,
    clientAppId = this.config.delegatedClientId,
  ): Promise<IssuedToken> {
    const subject: TokenSubject = {
      kind: "user",
      objectId: user.objectId,
      displayName: user.displayName,
      userPrincipalName: upnOf(user),
      clientAppId,
    };
    const roles = resource.kind === "api" ? user.roles : [];
    const scopes = resource.kind === "api" ? resource.scopes : ["user_impersonation"];
    return this.access(subject, resource, roles, scopes, lifetimeSeconds);
  }

  /** An ID token for `clientId` (what a client gets at sign-in); a web API must never accept one. */
  async idToken(
    user: LocalUser,
    clientId: string,
    version: TokenVersion,
    lifetimeSeconds: number,
    nonce?: string,
    issuers: Issuers = this.issuers,
  ): Promise<IssuedToken> {
    const issuedAt = Math.floor(Date.now() / 1000);
    const signsInToApi = this.config.apis.some((api) => api.clientId.toLowerCase() === clientId.toLowerCase());
    const claims = idTokenClaims({
      version,
      issuers,
      tenantId: this.config.tenantId,
      clientId,
      user: { objectId: user.objectId, displayName: user.displayName, userPrincipalName: upnOf(user) },
      roles: signsInToApi ? user.roles : [],
      nonce,
      issuedAt,
      lifetimeSeconds,
    });
    return { token: await this.sign(claims, version), expiresOn: issuedAt + lifetimeSeconds };
  }

  private async access(
    subject: TokenSubject,
    resource: ResolvedResource,
    roles: string[],
    scopes: string[],
    lifetimeSeconds: number,
  ): Promise<IssuedToken> {
    const version = versionFor(resource);
    const issuedAt = Math.floor(Date.now() / 1000);
    const claims = accessTokenClaims({
      version,
      issuers: this.issuers,
      tenantId: this.config.tenantId,
      audience: audienceFor(resource, version),
      resourceAppId: resource.kind === "api" ? resource.api.clientId : resource.requested,
      subject,
      roles,
      scopes,
      issuedAt,
      lifetimeSeconds,
    });
    return { token: await this.sign(claims, version), expiresOn: issuedAt + lifetimeSeconds };
  }

  /**
   * Header `typ: "JWT"`, `alg: "RS256"`, `kid`; v1.0 tokens also carry `x5t`, which "Functions the same (in use and
   * value) as kid" and is "emitted only in v1.0" (access-token-claims-reference.md, header claims).
   */
  private sign(claims: Record<string, unknown>, version: TokenVersion): Promise<string> {
    const header = { alg: "RS256", typ: "JWT", kid: this.key.kid, ...(version === "1.0" ? { x5t: this.key.kid } : {}) };
    return new SignJWT(claims).setProtectedHeader(header).sign(this.key.privateKey);
  }
}

function upnOf(user: LocalUser): string {
  return user.userPrincipalName ?? `${user.displayName.toLowerCase().replace(/[^a-z0-9]+/g, ".")}@contoso.example`;
}
