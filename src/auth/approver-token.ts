import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";

export const APPROVER_ROLE = "Quarantine.Approver";
export const OVERRIDE_ROLE = "Quarantine.Override";

/** Who is deciding, as proven by a verified Entra ID token (never by a header a caller could set). */
export interface Approver {
  objectId: string;
  name: string;
  roles: string[];
}

export interface ApproverTokenSettings {
  /** Token issuer, e.g. https://login.microsoftonline.com/<tenant>/v2.0 (locally, the identity endpoint's issuer). */
  issuer: string;
  /** The application ID URI (or client id) approvers' tokens are issued for. */
  audience: string;
}

export class ApproverAuthError extends Error {
  override readonly name = "ApproverAuthError";
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Verifies approvers' bearer tokens against the issuer's published keys (OpenID discovery → JWKS), the same way in
 * Azure and locally. `x-ms-client-principal` and similar headers are never read: without platform authentication in
 * front, anyone can send them.
 */
export class ApproverTokenVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(private readonly settings: ApproverTokenSettings) {}

  async verify(authorization: string | null | undefined): Promise<Approver> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) throw new ApproverAuthError(401, "a bearer token is required");
    try {
      const { payload } = await jwtVerify(match[1]!, await this.jwks(), {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ["RS256"],
      });
      if (typeof payload.oid !== "string") throw new ApproverAuthError(401, "the token has no object id (oid)");
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
      const name =
        typeof payload.name === "string"
          ? payload.name
          : typeof payload.preferred_username === "string"
            ? payload.preferred_username
            : payload.oid;
      return { objectId: payload.oid, name, roles };
    } catch (error) {
      if (error instanceof ApproverAuthError) throw error;
      this.keys = undefined;
      throw new ApproverAuthError(401, `the token was rejected: ${(error as Error).message}`);
    }
  }

  private jwks(): Promise<JWTVerifyGetKey> {
    this.keys ??= (async () => {
      const discovery = `${this.settings.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
      const response = await fetch(discovery, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`OpenID discovery at ${discovery} answered ${response.status}`);
      const { jwks_uri } = (await response.json()) as { jwks_uri?: string };
      if (!jwks_uri) throw new Error(`OpenID discovery at ${discovery} has no jwks_uri`);
      return createRemoteJWKSet(new URL(jwks_uri));
    })();
    return this.keys;
  }
}

/** Approving needs the approver role; approving an image whose verdict failed also needs the override role. */
export function requireRole(approver: Approver, role: string): void {
  if (!approver.roles.includes(role)) throw new ApproverAuthError(403, `${approver.name} lacks the app role ${role}`);
}
