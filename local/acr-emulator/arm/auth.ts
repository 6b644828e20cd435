import type { IncomingMessage } from "node:http";
import { decodeJwt } from "jose";
import type { EmulatorContext } from "../context.js";
import { capabilitiesOf, type Capability } from "../roles.js";
import type { Principal } from "../model.js";
import { armError } from "./errors.js";

/** Entra ID audiences ARM accepts (public cloud; the legacy management.core.windows.net one too). */
export const MANAGEMENT_AUDIENCES = [
  "https://management.azure.com",
  "https://management.azure.com/",
  "https://management.core.windows.net",
  "https://management.core.windows.net/",
];

function challenge(ctx: EmulatorContext, error?: string): Record<string, string> {
  const parts = [`authorization_uri="${ctx.baseUrl}"`, `error="${error ?? "invalid_token"}"`];
  return { "WWW-Authenticate": `Bearer ${parts.join(", ")}` };
}

/**
 * Authenticates a management request as ARM does: an Entra ID bearer token (signature, issuer, expiry checked against
 * the identity endpoint) whose audience is the management plane — a registry-audience token is refused, although the
 * registry's own /oauth2/exchange accepts both — and authorises `needed` by the caller's roles on the registry.
 */
export async function authorizeManagement(
  ctx: EmulatorContext,
  req: IncomingMessage,
  needed: Capability,
  action: string,
  scope: string,
): Promise<Principal> {
  const verified = await authenticateManagement(ctx, req);
  const principal = ctx.store.principal(verified.objectId);
  if (!principal || !capabilitiesOf(principal.roles).has(needed)) {
    throw armError(
      403,
      "AuthorizationFailed",
      `The client '${verified.objectId}' with object id '${verified.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`,
    );
  }
  return principal;
}

/** The caller of a management request: a verified Entra ID token with a management-plane audience. */
export async function authenticateManagement(
  ctx: EmulatorContext,
  req: IncomingMessage,
): Promise<{ objectId: string; tenantId?: string }> {
  const header = req.headers.authorization;
  if (!header || !/^Bearer\s+\S/i.test(header)) {
    throw armError(
      401,
      "AuthenticationFailed",
      "Authentication failed. The 'Authorization' header is missing.",
      challenge(ctx),
    );
  }
  const token = header.replace(/^Bearer\s+/i, "").trim();
  const verified = await ctx.aad.verify(token);
  if ("error" in verified)
    throw armError(401, "InvalidAuthenticationToken", `The access token is invalid: ${verified.error}`, challenge(ctx));
  const audiences = [decodeJwt(token).aud].flat();
  if (!audiences.some((aud) => typeof aud === "string" && MANAGEMENT_AUDIENCES.includes(aud))) {
    throw armError(
      401,
      "InvalidAuthenticationTokenAudience",
      `The access token has an invalid audience ${JSON.stringify(audiences)}; expected https://management.azure.com/.`,
      challenge(ctx),
    );
  }
  return verified;
}
