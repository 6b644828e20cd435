import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { LocalIdentity, LocalUser } from "./config.js";
import type { SigningKey } from "./keys.js";

export interface IssuedToken {
  token: string;
  expiresOn: number;
}

/** Signs Entra-ID-shaped access tokens (v1 claims as managed identities get them) with the endpoint's key. */
export class TokenIssuer {
  constructor(
    private readonly key: SigningKey,
    readonly issuer: string,
    private readonly tenantId: string,
  ) {}

  forIdentity(identity: LocalIdentity, audience: string, lifetimeSeconds: number): Promise<IssuedToken> {
    return this.sign(
      {
        oid: identity.objectId,
        sub: identity.objectId,
        appid: identity.clientId,
        azp: identity.clientId,
        idtyp: "app",
        name: identity.displayName,
        xms_mirid: identity.resourceId,
      },
      audience,
      lifetimeSeconds,
    );
  }

  forUser(user: LocalUser, audience: string, lifetimeSeconds: number): Promise<IssuedToken> {
    return this.sign(
      { oid: user.objectId, sub: user.objectId, name: user.displayName, roles: user.roles, idtyp: "user" },
      audience,
      lifetimeSeconds,
    );
  }

  private async sign(claims: Record<string, unknown>, audience: string, lifetimeSeconds: number): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const expiresOn = now + lifetimeSeconds;
    const definedClaims = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
    const token = await new SignJWT({ ...definedClaims, tid: this.tenantId, uti: randomUUID(), ver: "1.0" })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: this.key.kid })
      .setIssuer(this.issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(expiresOn)
      .sign(this.key.privateKey);
    return { token, expiresOn };
  }
}
