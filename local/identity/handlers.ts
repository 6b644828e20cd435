import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { HttpError } from "../http/errors.js";
import { readJson } from "../http/body.js";
import { sendJson } from "../http/respond.js";
import { findIdentity, type IdentityConfig } from "./config.js";
import type { SigningKey } from "./keys.js";
import type { TokenIssuer } from "./token-issuer.js";

export const MSI_TOKEN_PATH = "/msi/token";
const APP_SERVICE_API_VERSION = "2019-08-01";

export interface IdentityContext {
  config: IdentityConfig;
  key: SigningKey;
  issuer: TokenIssuer;
  baseUrl: string;
  /** Counts requests per route, so tests can prove a token was (or was not) fetched. */
  counters: Map<string, number>;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `resource` may be given with a trailing `/.default` by some callers; Entra ID answers for the bare resource. */
function normaliseResource(resource: string): string {
  return resource.replace(/\/\.default$/, "");
}

/** GET /msi/token — the App Service managed identity protocol (api-version 2019-08-01). */
export async function handleMsiToken(
  ctx: IdentityContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== "GET") throw new HttpError(405, "invalid_request", "use GET for the managed identity endpoint");
  const header = req.headers["x-identity-header"];
  if (header === undefined) throw new HttpError(400, "invalid_request", "X-IDENTITY-HEADER is missing");
  if (typeof header !== "string" || !sameSecret(header, ctx.config.identityHeader)) {
    throw new HttpError(401, "unauthorized_client", "X-IDENTITY-HEADER does not match IDENTITY_HEADER");
  }
  const apiVersion = url.searchParams.get("api-version");
  if (apiVersion !== APP_SERVICE_API_VERSION) {
    throw new HttpError(
      400,
      "invalid_request",
      `api-version must be ${APP_SERVICE_API_VERSION}, got ${apiVersion ?? "none"}`,
    );
  }
  const resource = url.searchParams.get("resource");
  if (!resource) throw new HttpError(400, "invalid_request", "resource is required");
  const selectors = {
    clientId: url.searchParams.get("client_id") ?? undefined,
    objectId: url.searchParams.get("principal_id") ?? url.searchParams.get("object_id") ?? undefined,
    resourceId: url.searchParams.get("mi_res_id") ?? undefined,
  };
  if (Object.values(selectors).filter(Boolean).length > 1) {
    throw new HttpError(400, "invalid_request", "name at most one of client_id, principal_id/object_id, mi_res_id");
  }
  const identity = findIdentity(ctx.config, selectors);
  if (!identity) {
    throw new HttpError(400, "invalid_request", "no managed identity with that id is assigned to this resource");
  }
  const audience = normaliseResource(resource);
  const { token, expiresOn } = await ctx.issuer.forIdentity(identity, audience, ctx.config.tokenLifetimeSeconds);
  sendJson(res, 200, {
    access_token: token,
    expires_on: String(expiresOn),
    resource: audience,
    token_type: "Bearer",
    client_id: identity.clientId,
  });
}

/** GET …/keys — the public signing keys, so verifiers (the ACR emulator, the app's approver check) validate signatures. */
export function handleJwks(ctx: IdentityContext, res: ServerResponse): void {
  sendJson(res, 200, { keys: [ctx.key.publicJwk] });
}

/** OpenID discovery document, shaped like Entra ID's, pointing at the JWKS. */
export function handleOpenIdConfiguration(ctx: IdentityContext, res: ServerResponse): void {
  sendJson(res, 200, {
    issuer: ctx.issuer.issuer,
    jwks_uri: `${ctx.baseUrl}/${ctx.config.tenantId}/discovery/v2.0/keys`,
    token_endpoint: `${ctx.baseUrl}/${ctx.config.tenantId}/oauth2/v2.0/token`,
    id_token_signing_alg_values_supported: ["RS256"],
    tenant_id: ctx.config.tenantId,
  });
}

/**
 * POST /admin/user-token {objectId, audience} — a local-only way to get a delegated token for a configured user
 * (approvers in tests and the demo). It is not part of any Azure protocol and needs the identity header.
 */
export async function handleUserToken(ctx: IdentityContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST") throw new HttpError(405, "invalid_request", "use POST");
  const header = req.headers["x-identity-header"];
  if (typeof header !== "string" || !sameSecret(header, ctx.config.identityHeader)) {
    throw new HttpError(401, "unauthorized_client", "X-IDENTITY-HEADER is missing or wrong");
  }
  const body = await readJson(req);
  if (typeof body !== "object" || body === null) throw new HttpError(400, "invalid_request", "JSON object expected");
  const { objectId, audience, lifetimeSeconds } = body as Record<string, unknown>;
  if (typeof objectId !== "string" || typeof audience !== "string") {
    throw new HttpError(400, "invalid_request", "objectId and audience (strings) are required");
  }
  const user = ctx.config.users.find((u) => u.objectId === objectId);
  if (!user) throw new HttpError(404, "invalid_request", `no local user with objectId ${objectId}`);
  const lifetime =
    typeof lifetimeSeconds === "number" && lifetimeSeconds > 0 ? lifetimeSeconds : ctx.config.tokenLifetimeSeconds;
  const { token, expiresOn } = await ctx.issuer.forUser(user, normaliseResource(audience), lifetime);
  sendJson(res, 200, { access_token: token, expires_on: String(expiresOn), token_type: "Bearer" });
}
