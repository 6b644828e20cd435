import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { HttpError } from "../http/errors.js";
import { readJson } from "../http/body.js";
import { sendJson } from "../http/respond.js";
import { findIdentity, resolveResource, type IdentityConfig } from "./config.js";
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
  // `resource` may come with a trailing `/.default`; Entra ID answers for the bare resource.
  const resolved = resolveResource(ctx.config, resource);
  const { token, expiresOn } = await ctx.issuer.forIdentity(identity, resolved, ctx.config.tokenLifetimeSeconds);
  sendJson(res, 200, {
    access_token: token,
    expires_on: String(expiresOn),
    resource: resolved.requested,
    token_type: "Bearer",
    client_id: identity.clientId,
  });
}

/** GET …/keys — the public signing keys, so verifiers (the ACR emulator, the app's approver check) validate signatures. */
export function handleJwks(ctx: IdentityContext, res: ServerResponse): void {
  sendJson(res, 200, { keys: [ctx.key.publicJwk] });
}

/**
 * OpenID discovery, shaped like Entra ID's two documents: v1.0 at `/{tenant}/.well-known/openid-configuration` (issuer
 * `…/{tenant}/`, keys at `/{tenant}/discovery/keys`) and v2.0 at `/{tenant}/v2.0/.well-known/openid-configuration`
 * (issuer `…/{tenant}/v2.0`, keys at `/{tenant}/discovery/v2.0/keys`). A verifier of v1.0 tokens "needs to read the
 * OpenID Connect metadata document from the v1.0 endpoint", of v2.0 tokens from the v2.0 one (access-tokens.md,
 * "v1.0 and v2.0 tokens"); both key sets are the same keys.
 */
export function handleOpenIdConfiguration(ctx: IdentityContext, res: ServerResponse, version: "1.0" | "2.0"): void {
  const tenant = `${ctx.baseUrl}/${ctx.config.tenantId}`;
  const v2 = version === "2.0";
  sendJson(res, 200, {
    issuer: v2 ? ctx.issuer.issuers.v2 : ctx.issuer.issuers.v1,
    jwks_uri: v2 ? `${tenant}/discovery/v2.0/keys` : `${tenant}/discovery/keys`,
    token_endpoint: v2 ? `${tenant}/oauth2/v2.0/token` : `${tenant}/oauth2/token`,
    authorization_endpoint: v2 ? `${tenant}/oauth2/v2.0/authorize` : `${tenant}/oauth2/authorize`,
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "token id_token", "token"],
    subject_types_supported: ["pairwise"],
    tenant_region_scope: null,
    cloud_instance_name: "local",
  });
}

function requireIdentityHeader(ctx: IdentityContext, req: IncomingMessage): void {
  const header = req.headers["x-identity-header"];
  if (typeof header !== "string" || !sameSecret(header, ctx.config.identityHeader)) {
    throw new HttpError(401, "unauthorized_client", "X-IDENTITY-HEADER is missing or wrong");
  }
}

async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "invalid_request", "JSON object expected");
  }
  return body as Record<string, unknown>;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : fallback;
}

/**
 * POST /admin/user-token {objectId, audience | scope, clientId?, lifetimeSeconds?} — a local-only way to get a
 * delegated access token for a configured user (approvers in tests and the demo), as if the person had signed in
 * through `clientId` (default: the local public client) and asked for `audience` (a v1 `resource`) or `scope` (v2,
 * e.g. `api://x/.default`). The token's shape follows the target API's registration, never the request. Not an Azure
 * protocol; it needs the identity header.
 */
export async function handleUserToken(ctx: IdentityContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST") throw new HttpError(405, "invalid_request", "use POST");
  requireIdentityHeader(ctx, req);
  const { objectId, audience, scope, clientId, lifetimeSeconds } = await readObject(req);
  const target = typeof audience === "string" ? audience : scope;
  if (typeof objectId !== "string" || typeof target !== "string" || target === "") {
    throw new HttpError(400, "invalid_request", "objectId and audience or scope (strings) are required");
  }
  if (clientId !== undefined && typeof clientId !== "string") {
    throw new HttpError(400, "invalid_request", "clientId must be a string");
  }
  const user = ctx.config.users.find((u) => u.objectId === objectId);
  if (!user) throw new HttpError(404, "invalid_request", `no local user with objectId ${objectId}`);
  const lifetime = positive(lifetimeSeconds, ctx.config.tokenLifetimeSeconds);
  const resolved = resolveResource(ctx.config, target);
  const { token, expiresOn } = await ctx.issuer.forUser(user, resolved, lifetime, clientId);
  sendJson(res, 200, { access_token: token, expires_on: String(expiresOn), token_type: "Bearer" });
}

/**
 * POST /admin/id-token {objectId, clientId, version?: 1|2, nonce?} — a local-only way to get the ID token a client app
 * receives at sign-in (`aud` = that client), so tests can show the approvals API refuses ID tokens. Needs the
 * identity header.
 */
export async function handleIdToken(ctx: IdentityContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST") throw new HttpError(405, "invalid_request", "use POST");
  requireIdentityHeader(ctx, req);
  const { objectId, clientId, version, nonce } = await readObject(req);
  if (typeof objectId !== "string" || typeof clientId !== "string") {
    throw new HttpError(400, "invalid_request", "objectId and clientId (strings) are required");
  }
  if (version !== undefined && version !== 1 && version !== 2) {
    throw new HttpError(400, "invalid_request", "version must be 1 or 2");
  }
  if (nonce !== undefined && typeof nonce !== "string") throw new HttpError(400, "invalid_request", "nonce: string");
  const user = ctx.config.users.find((u) => u.objectId === objectId);
  if (!user) throw new HttpError(404, "invalid_request", `no local user with objectId ${objectId}`);
  const { token, expiresOn } = await ctx.issuer.idToken(
    user,
    clientId,
    version === 1 ? "1.0" : "2.0",
    ctx.config.tokenLifetimeSeconds,
    nonce,
  );
  sendJson(res, 200, { id_token: token, expires_on: String(expiresOn) });
}
