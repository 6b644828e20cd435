import { createRemoteJWKSet, jwtVerify } from "jose";

/** Entra ID audiences /oauth2/exchange accepts: ACR's own and ARM's (acr-protocol.md §1.8). */
export const ACCEPTED_AUDIENCES = [
  "https://containerregistry.azure.net",
  "https://management.azure.com",
  "https://management.azure.com/",
  "https://management.core.windows.net",
  "https://management.core.windows.net/",
];

export interface AadIdentity {
  objectId: string;
  tenantId?: string;
}

/** Checks Entra ID access tokens against the identity endpoint's published keys: signature, issuer, audience, expiry. */
export class AadVerifier {
  private readonly jwks;

  constructor(
    jwksUri: string,
    private readonly issuers: string[],
  ) {
    this.jwks = createRemoteJWKSet(new URL(jwksUri), { cacheMaxAge: 10 * 60_000 });
  }

  async verify(token: string): Promise<AadIdentity | { error: string }> {
    try {
      const { payload } = await jwtVerify(token, this.jwks, { issuer: this.issuers, audience: ACCEPTED_AUDIENCES });
      if (typeof payload.oid !== "string") return { error: "token has no oid claim" };
      return { objectId: payload.oid, tenantId: typeof payload.tid === "string" ? payload.tid : undefined };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
}
