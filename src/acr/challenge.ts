import { decodeJwt } from "jose";

/** The parameters of a `WWW-Authenticate: Bearer …` challenge (acr-protocol.md §1.2). */
export interface BearerChallenge {
  realm: string;
  service: string;
  scope?: string;
  error?: string;
}

/**
 * Parses a Bearer challenge. Values must be double-quoted, as ACR sends them and as the Azure SDK's parser requires;
 * `realm` and `service` are required. Returns undefined for anything else (Basic, missing parameters).
 */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (!header || !/^\s*Bearer\s+/i.test(header)) return undefined;
  const params = new Map<string, string>();
  for (const match of header.matchAll(/(\w+)="([^"]*)"/g)) params.set(match[1]!.toLowerCase(), match[2]!);
  const realm = params.get("realm");
  const service = params.get("service");
  if (!realm || !service) return undefined;
  const challenge: BearerChallenge = { realm, service };
  const scope = params.get("scope");
  const error = params.get("error");
  if (scope !== undefined) challenge.scope = scope;
  if (error !== undefined) challenge.error = error;
  return challenge;
}

/**
 * Reads `exp` and `iat` of an ACR token without verifying it: clients only need to know when to refresh
 * (acr-protocol.md §1.6). Epoch milliseconds; undefined when the token is not a readable JWT or has no `exp`.
 */
export function tokenTimes(token: string): { expiresAt: number | undefined; issuedAt: number | undefined } {
  try {
    const { exp, iat } = decodeJwt(token);
    return {
      expiresAt: typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined,
      issuedAt: typeof iat === "number" && Number.isFinite(iat) ? iat * 1000 : undefined,
    };
  } catch {
    return { expiresAt: undefined, issuedAt: undefined };
  }
}
