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

/**
 * Checks Entra ID access tokens against the identity endpoint's published keys: signature, issuer, audience, expiry,
 * and that `tid` is the tenant the issuer names.
 *
 * Issuer acceptance: the caller passes the identity endpoint's `issuer`, the v1.0 form (`<base>/{tenant}/`, locally
 * standing for `https://sts.windows.net/{tenant}/`). Tokens for Azure's own resources are v1.0 — Azure Resource
 * Manager records the tokens it receives with `"iss": "https://sts.windows.net/{tenant}/"` and `"ver": "1.0"`
 * (MicrosoftDocs/azure-monitor-docs activity-log-schema.md, Administrative sample event), and a registration that does
 * not ask for v2.0 gets v1.0 (MicrosoftDocs/entra-docs access-tokens.md, "Token formats"). That managed-identity
 * tokens for the ACR audience in particular are v1.0 is not shown decoded in any Microsoft doc found (see
 * docs/local-stack.md, "Identity: unconfirmed"), so the emulator accepts exactly the issuers it is given.
 * "the tid claim … the issuer and tenantid match" is Entra's own validation advice (access-tokens.md, "Validate the
 * issuer").
 */
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
      const tid = typeof payload.tid === "string" ? payload.tid : undefined;
      const issuerPath = new URL(String(payload.iss)).pathname.split("/").filter(Boolean);
      if (!tid || issuerPath[0]?.toLowerCase() !== tid.toLowerCase())
        return { error: `token tid ${JSON.stringify(tid)} is not the tenant of its issuer ${String(payload.iss)}` };
      return { objectId: payload.oid, tenantId: tid };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
}
