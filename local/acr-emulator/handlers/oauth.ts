import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { EmulatorContext } from "../context.js";
import { readForm } from "../../http/body.js";
import { sendJson } from "../../http/respond.js";
import { acrError } from "../errors.js";
import { capabilitiesOf } from "../roles.js";
import { grantScopes, parseScopes } from "../scopes.js";
import type { Principal } from "../model.js";

/** The user name docker uses with an ACR refresh token as password (acr-protocol.md §1.4). */
const NULL_GUID = "00000000-0000-0000-0000-000000000000";

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function requireService(ctx: EmulatorContext, service: string | null): void {
  if (!service) throw acrError(400, "UNSUPPORTED", "service is required");
  if (service !== ctx.loginServer)
    throw acrError(400, "UNSUPPORTED", `service ${service} is not this registry (${ctx.loginServer})`);
}

/** POST /oauth2/exchange — an Entra ID access token for an ACR refresh token. */
export async function handleExchange(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  ctx.stats.add("oauth.exchange");
  if (req.method !== "POST") throw acrError(405, "UNSUPPORTED", "use POST");
  const form = await readForm(req);
  const grantType = form.get("grant_type");
  requireService(ctx, form.get("service"));
  if (grantType !== "access_token") {
    throw acrError(400, "UNSUPPORTED", `grant_type ${grantType ?? "(none)"} is not supported; use access_token`);
  }
  const aadToken = form.get("access_token");
  if (!aadToken) throw acrError(400, "UNSUPPORTED", "access_token is required");
  const identity = await ctx.aad.verify(aadToken);
  if ("error" in identity) throw acrError(401, "UNAUTHORIZED", `the Entra ID token was rejected: ${identity.error}`);
  if (!ctx.store.principal(identity.objectId)) {
    throw acrError(401, "UNAUTHORIZED", `identity ${identity.objectId} has no role on registry ${ctx.loginServer}`);
  }
  const refreshToken = await ctx.tokens.issueRefresh({ sub: identity.objectId, tenant: identity.tenantId });
  sendJson(res, 200, { refresh_token: refreshToken });
}

/** POST /oauth2/token (refresh_token or password grant) and GET /oauth2/token with Basic auth. */
export async function handleToken(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  ctx.stats.add("oauth.token");
  let principal: Principal;
  let scopes: string[];
  let grantType: string;
  if (req.method === "POST") {
    const form = await readForm(req);
    requireService(ctx, form.get("service"));
    scopes = form.getAll("scope");
    grantType = form.get("grant_type") ?? "";
    if (grantType === "refresh_token") principal = await principalFromRefreshToken(ctx, form.get("refresh_token"));
    else if (grantType === "password")
      principal = await principalFromPassword(ctx, form.get("username"), form.get("password"));
    else
      throw acrError(
        400,
        "UNSUPPORTED",
        `grant_type ${grantType || "(none)"} is not supported; use refresh_token or password`,
      );
  } else if (req.method === "GET") {
    requireService(ctx, url.searchParams.get("service"));
    scopes = url.searchParams.getAll("scope");
    grantType = "basic";
    const basic = parseBasic(req.headers.authorization);
    if (!basic) {
      throw acrError(
        401,
        "UNAUTHORIZED",
        "basic authentication required",
        {},
        { "WWW-Authenticate": `Basic realm="${ctx.loginServer}"` },
      );
    }
    principal = await principalFromPassword(ctx, basic.username, basic.password);
  } else {
    throw acrError(405, "UNSUPPORTED", "use GET or POST");
  }
  const requested = parseScopes(scopes);
  if ("error" in requested) throw acrError(400, "UNSUPPORTED", requested.error);
  const access = grantScopes(requested, capabilitiesOf(principal.roles));
  ctx.grants.record(principal.id.toLowerCase(), grantType, requested, access);
  const accessToken = await ctx.tokens.issueAccess({ sub: principal.id, access });
  // `token` is the Docker token-spec field name; ACR's clients read `access_token`. Both carry the same value.
  sendJson(res, 200, { access_token: accessToken, token: accessToken });
}

async function principalFromRefreshToken(ctx: EmulatorContext, refreshToken: string | null): Promise<Principal> {
  if (!refreshToken) throw acrError(400, "UNSUPPORTED", "refresh_token is required");
  const checked = await ctx.tokens.verifyRefresh(refreshToken);
  if (!checked.ok)
    throw acrError(
      401,
      "UNAUTHORIZED",
      checked.reason === "expired" ? "refresh token expired" : "refresh token invalid",
    );
  const principal = ctx.store.principal(checked.claims.sub);
  if (!principal) throw acrError(401, "UNAUTHORIZED", "principal no longer has a role on this registry");
  return principal;
}

async function principalFromPassword(
  ctx: EmulatorContext,
  username: string | null,
  password: string | null,
): Promise<Principal> {
  if (!username || !password) throw acrError(401, "UNAUTHORIZED", "username and password are required");
  if (username === NULL_GUID) return principalFromRefreshToken(ctx, password);
  const principal = ctx.store.principal(username);
  if (!principal?.password || !sameSecret(password, principal.password))
    throw acrError(401, "UNAUTHORIZED", "invalid username or password");
  return principal;
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  if (!header || !/^Basic\s+/i.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, "").trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
