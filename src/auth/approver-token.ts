import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from "jose";
import { approverFromClaims, tokenVersionOf, type TokenVersion } from "./entra-claims.js";
import { ApproverAuthError, type ApproverAuthReason } from "./errors.js";
import { loadTenantMetadata, type TenantMetadata } from "./entra-metadata.js";
import type { Approver } from "./roles.js";

export { ApproverAuthError, type ApproverAuthReason } from "./errors.js";
export {
  APPROVER_ROLE,
  OVERRIDE_ROLE,
  READER_ROLE,
  READ_ROLES,
  requireAnyRole,
  requireRole,
  type Approver,
} from "./roles.js";

/** The approver API registration the tokens must be for (APPROVER_* settings, see src/config.ts approvalConfig). */
export interface ApproverTokenSettings {
  tenantId: string;
  /** The API registration's application (client) ID. */
  clientId: string;
  /** Its Application ID URI, when it has one (v1.0 tokens then usually carry it as `aud`). */
  appIdUri?: string;
  /** Where the tenant's OpenID metadata is read: Entra ID's authority host, or locally the identity endpoint. */
  authorityHost: string;
  /** Tests of this module only: the tenant's metadata without HTTP. */
  metadata?: (version: TokenVersion) => Promise<TenantMetadata>;
}

/**
 * Accepted clock difference for `exp` and `nbf`. Our choice, not an Entra rule: small next to Entra's 60-90 minute
 * token lifetimes (access-tokens.md, "Token lifetime").
 */
const CLOCK_TOLERANCE_SECONDS = 60;

function refusal(error: unknown): ApproverAuthError {
  if (error instanceof ApproverAuthError) return error;
  const reason: ApproverAuthReason =
    error instanceof joseErrors.JWTExpired
      ? "expired"
      : error instanceof joseErrors.JWTClaimValidationFailed && error.reason === "missing"
        ? "missing-claim"
        : error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "nbf"
          ? "not-yet-valid"
          : error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey
            ? "signature"
            : "malformed";
  const code = (error as { code?: unknown }).code;
  return new ApproverAuthError(401, `the token was rejected: ${(error as Error).message}`, {
    reason,
    cause: error,
    upstreamCode: typeof code === "string" ? code : undefined,
  });
}

/**
 * Verifies approvers' bearer tokens as Entra ID issues them for the approver API: signature against the tenant's
 * published keys (OpenID discovery → JWKS) of the token's version, lifetime, then the claim rules of
 * ./entra-claims.ts — exactly the pairs (v1.0 issuer, App ID URI or client ID) and (v2.0 issuer, client ID) of the
 * configured tenant, never an ID token. `x-ms-client-principal` and similar headers are never read: without platform
 * authentication in front, anyone can send them.
 */
export class ApproverTokenVerifier {
  private readonly metadata = new Map<TokenVersion, Promise<TenantMetadata>>();

  constructor(private readonly settings: ApproverTokenSettings) {}

  async verify(authorization: string | null | undefined): Promise<Approver> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) throw new ApproverAuthError(401, "a bearer token is required", { reason: "no-token" });
    const token = match[1]!;
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch (error) {
      throw refusal(error);
    }
    // The version picks the metadata (and so the issuer and keys) the token is checked against.
    const version = tokenVersionOf(unverified);
    const tenant = await this.tenantMetadata(version);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, tenant.keys, {
        algorithms: ["RS256"],
        // Header `typ`: "String - always JWT" (access-token-claims-reference.md, header claims).
        typ: "JWT",
        // "Claims used for access token validation are always present" (access-token-claims-reference.md).
        requiredClaims: ["iss", "aud", "exp", "nbf", "iat", "tid", "oid", "ver"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      throw refusal(error);
    }
    return approverFromClaims(payload, {
      tenantId: this.settings.tenantId,
      clientId: this.settings.clientId,
      appIdUri: this.settings.appIdUri,
      issuers: { [version]: tenant.issuer },
    });
  }

  private async tenantMetadata(version: TokenVersion): Promise<TenantMetadata> {
    let loading = this.metadata.get(version);
    if (!loading) {
      const { authorityHost, tenantId } = this.settings;
      loading = this.settings.metadata
        ? this.settings.metadata(version)
        : loadTenantMetadata(authorityHost, tenantId, version);
      this.metadata.set(version, loading);
    }
    try {
      return await loading;
    } catch (error) {
      // A failed discovery is retried on the next request rather than cached; the caller is refused meanwhile.
      if (this.metadata.get(version) === loading) this.metadata.delete(version);
      throw new ApproverAuthError(401, `approvals are unavailable: ${(error as Error).message}`, {
        reason: "metadata",
        cause: error,
      });
    }
  }
}
