import { createSecretKey, randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import type { AccessEntry } from "./scopes.js";

export const ACR_ISSUER = "Azure Container Registry";

export interface TokenLifetimes {
  refreshTokenSeconds: number;
  accessTokenSeconds: number;
}

/** ACR's documented lifetimes: refresh tokens about three hours, access tokens 75 minutes (acr-protocol.md §1.7). */
export const DEFAULT_LIFETIMES: TokenLifetimes = { refreshTokenSeconds: 3 * 3600, accessTokenSeconds: 75 * 60 };

export interface RefreshClaims {
  sub: string;
  tenant?: string;
}

export interface AccessClaims {
  sub: string;
  access: AccessEntry[];
}

export type TokenCheck<T> = { ok: true; claims: T } | { ok: false; reason: "expired" | "invalid" };

/**
 * Signs and verifies the registry's own tokens (HS256 with a per-registry secret). Clients never verify these;
 * they only read `exp` (acr-protocol.md §1.6), so the claim set mirrors ACR's and the signature keeps tests honest.
 */
export class RegistryTokens {
  // A KeyObject, imported once: jose would otherwise import raw key bytes again on every sign and verify.
  private readonly key: KeyObject;

  constructor(
    secret: Buffer,
    private readonly audience: string,
    private readonly lifetimes: () => TokenLifetimes,
  ) {
    this.key = createSecretKey(secret);
  }

  async issueRefresh(claims: RefreshClaims): Promise<string> {
    return this.sign(
      {
        grant_type: "refresh_token",
        tenant: claims.tenant,
        permissions: { actions: ["*"], notActions: [] },
        roles: [],
      },
      claims.sub,
      this.lifetimes().refreshTokenSeconds,
    );
  }

  async issueAccess(claims: AccessClaims): Promise<string> {
    return this.sign(
      { grant_type: "access_token", access: claims.access, roles: [] },
      claims.sub,
      this.lifetimes().accessTokenSeconds,
    );
  }

  async verifyRefresh(token: string): Promise<TokenCheck<RefreshClaims>> {
    const checked = await this.verify(token, "refresh_token");
    if (!checked.ok) return checked;
    return {
      ok: true,
      claims: { sub: String(checked.payload.sub), tenant: checked.payload.tenant as string | undefined },
    };
  }

  async verifyAccess(token: string): Promise<TokenCheck<AccessClaims>> {
    const checked = await this.verify(token, "access_token");
    if (!checked.ok) return checked;
    const access = Array.isArray(checked.payload.access) ? (checked.payload.access as AccessEntry[]) : [];
    return { ok: true, claims: { sub: String(checked.payload.sub), access } };
  }

  private async sign(claims: Record<string, unknown>, subject: string, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, version: "1.0" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setJti(randomUUID())
      .setSubject(subject)
      .setIssuer(ACR_ISSUER)
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.key);
  }

  private async verify(
    token: string,
    grantType: string,
  ): Promise<{ ok: true; payload: Record<string, unknown> } | { ok: false; reason: "expired" | "invalid" }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ACR_ISSUER,
        audience: this.audience,
        algorithms: ["HS256"],
      });
      if (payload.grant_type !== grantType || typeof payload.sub !== "string") return { ok: false, reason: "invalid" };
      return { ok: true, payload };
    } catch (error) {
      return { ok: false, reason: error instanceof joseErrors.JWTExpired ? "expired" : "invalid" };
    }
  }
}
