import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import type { TokenVersion } from "./entra-claims.js";

/**
 * Where a tenant's OpenID metadata is, and which issuer it may declare. A web API "should first validate the signature
 * of the token and the issuer against the values in the OpenID discovery document"; v1.0 tokens are validated with the
 * v1.0 document `https://login.microsoftonline.com/{tenant}/.well-known/openid-configuration`, v2.0 tokens with
 * `…/{tenant}/v2.0/.well-known/openid-configuration` (MicrosoftDocs/entra-docs access-tokens.md, "Validate tokens",
 * "v1.0 and v2.0 tokens").
 */

export interface TenantMetadata {
  issuer: string;
  keys: JWTVerifyGetKey;
}

export const GLOBAL_AUTHORITY_HOST = "https://login.microsoftonline.com";

export function isLoopbackAuthority(authorityHost: string): boolean {
  const { protocol, hostname } = new URL(authorityHost);
  return protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(hostname);
}

export function discoveryUrl(authorityHost: string, tenantId: string, version: TokenVersion): string {
  return version === "2.0"
    ? `${authorityHost}/${tenantId}/v2.0/.well-known/openid-configuration`
    : `${authorityHost}/${tenantId}/.well-known/openid-configuration`;
}

/**
 * The issuer the document must declare, fail closed otherwise:
 * - v2.0: `{authority}/{tenant}/v2.0` — `https://login.microsoftonline.com/{tenantId}/v2.0` (access-token-claims and
 *   entra-tokens.md).
 * - v1.0, global cloud: exactly `https://sts.windows.net/{tenantId}/` (trailing slash; entra-tokens.md,
 *   access-token-claims-reference.md `iss`).
 * - v1.0 on the local endpoint: `{authority}/{tenant}/` (the same path under the endpoint's own base URL).
 * - v1.0 in a national cloud: the host is not documented in what we found (docs/local-stack.md, "Identity:
 *   unconfirmed"), so any https issuer whose path is exactly `/{tenant}/` is taken from the document.
 */
export function checkDeclaredIssuer(
  declared: unknown,
  version: TokenVersion,
  authorityHost: string,
  tenantId: string,
): string {
  if (typeof declared !== "string") throw new Error("the OpenID metadata declares no issuer");
  const expected =
    version === "2.0"
      ? `${authorityHost}/${tenantId}/v2.0`
      : authorityHost === GLOBAL_AUTHORITY_HOST
        ? `https://sts.windows.net/${tenantId}/`
        : isLoopbackAuthority(authorityHost)
          ? `${authorityHost}/${tenantId}/`
          : undefined;
  if (expected !== undefined) {
    if (declared.toLowerCase() !== expected.toLowerCase())
      throw new Error(`the OpenID metadata declares issuer ${declared}, expected ${expected}`);
    return declared;
  }
  const url = new URL(declared);
  if (url.protocol !== "https:" || url.pathname.toLowerCase() !== `/${tenantId.toLowerCase()}/` || url.search !== "")
    throw new Error(`the OpenID metadata declares issuer ${declared}, expected https://<sts host>/${tenantId}/`);
  return declared;
}

/** Keys only over https, or from the loopback identity endpoint itself. */
function checkKeysUrl(jwksUri: unknown, authorityHost: string): URL {
  if (typeof jwksUri !== "string") throw new Error("the OpenID metadata has no jwks_uri");
  const url = new URL(jwksUri);
  const local = isLoopbackAuthority(authorityHost) && url.origin === new URL(authorityHost).origin;
  if (url.protocol !== "https:" && !local) throw new Error(`jwks_uri ${jwksUri} is not https`);
  return url;
}

/** Reads one version's discovery document and returns its checked issuer and a key set (jose caches and rotates it). */
export async function loadTenantMetadata(
  authorityHost: string,
  tenantId: string,
  version: TokenVersion,
): Promise<TenantMetadata> {
  const url = discoveryUrl(authorityHost, tenantId, version);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: "error" });
  if (!response.ok) throw new Error(`OpenID discovery at ${url} answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  const issuer = checkDeclaredIssuer(document.issuer, version, authorityHost, tenantId);
  return { issuer, keys: createRemoteJWKSet(checkKeysUrl(document.jwks_uri, authorityHost)) };
}
