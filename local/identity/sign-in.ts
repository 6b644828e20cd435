import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { HttpError } from "../http/errors.js";
import { readForm } from "../http/body.js";
import { sendJson } from "../http/respond.js";
import { resolveResource, type IdentityConfig, type LocalUser } from "./config.js";
import type { IdentityContext } from "./handlers.js";
import { renderUserPicker } from "./sign-in-page.js";

/**
 * The local identity endpoint as an OpenID Connect provider for the approval page: authorization code flow with PKCE,
 * the flow @azure/msal-browser uses for single-page apps (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow,
 * "Single-page apps": PKCE required, the code redeemed by a CORS request to the token endpoint).
 *
 * Specs:
 * - OpenID Connect Discovery 1.0 §3 (provider metadata; `issuer` identical to the URL the document is under minus
 *   `/.well-known/openid-configuration`, §4.3).
 * - RFC 6749 §4.1 (authorization code grant: `response_type=code`, `state` echoed, the code short-lived and single
 *   use, §4.1.2; `redirect_uri` compared with the registered one, §3.1.2.3; errors §4.1.2.1 and §5.2) and §6 (refresh).
 * - RFC 7636 (PKCE): `code_challenge` + `code_challenge_method`; this endpoint accepts only `S256` (§4.2, "If the
 *   client is capable of using S256, it MUST use S256"; MSAL always sends S256) and checks
 *   BASE64URL(SHA256(code_verifier)) == code_challenge at the token request (§4.6); a missing or wrong verifier is
 *   `invalid_grant` (§4.6).
 * - RFC 8252 §7.3: for loopback redirect URIs the server "MUST allow any port to be specified at the time of the
 *   request", which is how the page's redirect URI (the devhost's free port) is accepted for the approver API client.
 * - OpenID Connect Core 1.0 §3.1.2.1 (`nonce` echoed in the ID token) and §3.1.3.3 (token response: `id_token`).
 *
 * What is local and not Entra: the user is picked from the stack's people instead of a password, and the endpoint
 * is served over TLS on the same port as the plain-HTTP one (MSAL refuses non-https authorities:
 * msal-common UrlString.validateAsUri, `authority_uri_insecure`).
 */

/** OIDC scopes: they say what the ID token holds, not which API the access token is for (OIDC Core §5.4). */
const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
const CODE_LIFETIME_MS = 60_000;
const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/; // RFC 7636 §4.1: 43-128 unreserved characters.
const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/; // BASE64URL of a SHA-256: 43 characters, no padding (§4.2).

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  responseMode: "query" | "fragment";
}

interface IssuedCode {
  request: AuthorizeRequest;
  user: LocalUser;
  expiresAt: number;
}

interface RefreshGrant {
  clientId: string;
  user: LocalUser;
  scope: string;
}

/** The state of the sign-in front: codes (single use, 60 s) and refresh tokens, in memory only. */
export class SignInState {
  readonly codes = new Map<string, IssuedCode>();
  readonly refreshTokens = new Map<string, RefreshGrant>();
}

/** The TLS base URL of the sign-in front: the same host and port as the endpoint, over https. */
export const signInBase = (ctx: IdentityContext) => ctx.baseUrl.replace(/^http:/, "https:");
export const signInAuthority = (ctx: IdentityContext) => `${signInBase(ctx)}/${ctx.config.tenantId}/v2.0`;

/** Clients that may sign people in: the registered APIs' own client IDs (as an app registration with a SPA platform). */
function knownClient(config: IdentityConfig, clientId: string | null): string {
  if (!clientId) throw new HttpError(400, "invalid_request", "client_id is required");
  const api = config.apis.find((a) => a.clientId.toLowerCase() === clientId.toLowerCase());
  if (!api) throw new HttpError(400, "unauthorized_client", `no application ${clientId} is registered in the tenant`);
  return api.clientId;
}

/** RFC 8252 §7.3 (loopback, any port) and §8.3 (loopback IP literals, not `localhost`); no fragment (RFC 6749 §3.1.2). */
export function acceptableRedirectUri(value: string | null): string {
  if (!value) throw new HttpError(400, "invalid_request", "redirect_uri is required");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HttpError(400, "invalid_request", "redirect_uri is not a URL");
  }
  const loopback = ["127.0.0.1", "[::1]"].includes(url.hostname);
  if (!loopback || !["http:", "https:"].includes(url.protocol) || url.hash !== "" || url.username || url.password)
    throw new HttpError(
      400,
      "invalid_request",
      `redirect_uri ${value} is not a loopback URI registered for the client`,
    );
  return value;
}

function authorizeRequestOf(params: URLSearchParams, config: IdentityConfig): AuthorizeRequest {
  const clientId = knownClient(config, params.get("client_id"));
  const redirectUri = acceptableRedirectUri(params.get("redirect_uri"));
  if (params.get("response_type") !== "code")
    throw new HttpError(400, "unsupported_response_type", "only response_type=code (authorization code + PKCE)");
  const method = params.get("code_challenge_method");
  const challenge = params.get("code_challenge") ?? "";
  if (method !== "S256" || !PKCE_CHALLENGE.test(challenge))
    throw new HttpError(400, "invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
  const mode = params.get("response_mode") ?? "query";
  if (mode !== "query" && mode !== "fragment")
    throw new HttpError(400, "invalid_request", `response_mode ${mode} is not supported (query or fragment)`);
  const scope = params.get("scope") ?? "";
  if (!scope.split(/\s+/).includes("openid")) throw new HttpError(400, "invalid_scope", "scope must include openid");
  return {
    clientId,
    redirectUri,
    scope,
    state: params.get("state") ?? undefined,
    nonce: params.get("nonce") ?? undefined,
    codeChallenge: challenge,
    responseMode: mode,
  };
}

/** OpenID Connect Discovery 1.0 §3 for the sign-in front (v2.0 paths, as Entra's). */
export function handleSignInDiscovery(ctx: IdentityContext, res: ServerResponse, origin?: string): void {
  const authority = signInAuthority(ctx);
  const tenant = `${signInBase(ctx)}/${ctx.config.tenantId}`;
  sendJson(
    res,
    200,
    {
      issuer: authority,
      authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
      token_endpoint: `${tenant}/oauth2/v2.0/token`,
      end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${tenant}/discovery/v2.0/keys`,
      response_types_supported: ["code"],
      response_modes_supported: ["query", "fragment"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
    },
    corsHeaders(origin),
  );
}

/**
 * CORS for the browser's requests (discovery, keys, token): Entra answers them for SPA redirect URIs; locally any
 * loopback origin, since the page's port is free.
 */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (!origin) return {};
  try {
    const { hostname } = new URL(origin);
    if (!["127.0.0.1", "[::1]", "localhost"].includes(hostname)) return {};
  } catch {
    return {};
  }
  return { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
}

export function handlePreflight(req: IncomingMessage, res: ServerResponse): void {
  const headers = corsHeaders(req.headers.origin);
  const asked = req.headers["access-control-request-headers"];
  res.writeHead(204, {
    ...headers,
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    ...(typeof asked === "string" ? { "Access-Control-Allow-Headers": asked } : {}),
    "Access-Control-Max-Age": "600",
    "Content-Length": "0",
  });
  res.end();
}

function redirectWith(res: ServerResponse, request: AuthorizeRequest, params: Record<string, string>): void {
  const values = new URLSearchParams({ ...params, ...(request.state !== undefined ? { state: request.state } : {}) });
  const target = new URL(request.redirectUri);
  if (request.responseMode === "fragment") target.hash = values.toString();
  else for (const [k, v] of values) target.searchParams.set(k, v);
  res.writeHead(302, { Location: target.toString(), "Cache-Control": "no-store", "Content-Length": "0" });
  res.end();
}

/**
 * GET …/oauth2/v2.0/authorize: a page listing the stack's people. POST (the page's form): issues a code for the
 * person picked and redirects back. Bad client or redirect URI: an error page, never a redirect (RFC 6749 §4.1.2.1).
 */
export async function handleAuthorize(
  ctx: IdentityContext,
  state: SignInState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method === "GET") {
    const request = authorizeRequestOf(url.searchParams, ctx.config);
    const page = renderUserPicker(url.pathname, url.searchParams, ctx.config.users, request.clientId);
    res.writeHead(200, {
      "Content-Type": "text/html; charset=utf-8",
      // form-action also governs the redirect that follows the form's POST (CSP3 §6.4.1): the client's origin too.
      "Content-Security-Policy": `default-src 'none'; form-action 'self' ${new URL(request.redirectUri).origin}; frame-ancestors 'none'`,
      "Cache-Control": "no-store",
      "Content-Length": String(Buffer.byteLength(page)),
    });
    res.end(page);
    return;
  }
  if (req.method !== "POST") throw new HttpError(405, "invalid_request", "use GET or POST");
  const form = await readForm(req);
  const request = authorizeRequestOf(form, ctx.config);
  const user = ctx.config.users.find((u) => u.objectId === form.get("user"));
  if (!user) return redirectWith(res, request, { error: "access_denied", error_description: "no person picked" });
  const code = randomBytes(32).toString("base64url");
  state.codes.set(code, { request, user, expiresAt: Date.now() + CODE_LIFETIME_MS });
  redirectWith(res, request, { code });
}

const sameText = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** The API scopes of a request (without the OIDC ones): the access token is for them. */
function apiScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((s) => s !== "" && !OIDC_SCOPES.has(s));
}

/** POST …/oauth2/v2.0/token: `authorization_code` (with the PKCE verifier) or `refresh_token`. */
export async function handleToken(
  ctx: IdentityContext,
  state: SignInState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const cors = corsHeaders(req.headers.origin);
  if (req.method !== "POST") throw new HttpError(405, "invalid_request", "use POST");
  const form = await readForm(req);
  const grant = form.get("grant_type");
  const clientId = knownClient(ctx.config, form.get("client_id"));
  let user: LocalUser;
  let scope: string;
  let nonce: string | undefined;
  if (grant === "authorization_code") {
    const code = form.get("code") ?? "";
    const issued = state.codes.get(code);
    state.codes.delete(code); // single use, whatever happens next (RFC 6749 §4.1.2)
    if (!issued || issued.expiresAt < Date.now())
      throw new HttpError(400, "invalid_grant", "the code is unknown, used or expired");
    if (issued.request.clientId !== clientId)
      throw new HttpError(400, "invalid_grant", "the code is for another client");
    if (form.get("redirect_uri") !== issued.request.redirectUri)
      throw new HttpError(400, "invalid_grant", "redirect_uri differs from the authorize request's (RFC 6749 §4.1.3)");
    const verifier = form.get("code_verifier") ?? "";
    const computed = createHash("sha256").update(verifier, "ascii").digest("base64url");
    if (!PKCE_VERIFIER.test(verifier) || !sameText(computed, issued.request.codeChallenge))
      throw new HttpError(
        400,
        "invalid_grant",
        "the PKCE code_verifier does not match the code_challenge (RFC 7636 §4.6)",
      );
    user = issued.user;
    scope = form.get("scope") ?? issued.request.scope;
    nonce = issued.request.nonce;
  } else if (grant === "refresh_token") {
    const held = state.refreshTokens.get(form.get("refresh_token") ?? "");
    if (!held || held.clientId !== clientId) throw new HttpError(400, "invalid_grant", "unknown refresh token");
    user = held.user;
    scope = form.get("scope") ?? held.scope;
  } else {
    throw new HttpError(400, "unsupported_grant_type", "authorization_code or refresh_token");
  }
  const wanted = apiScopes(scope);
  const lifetime = ctx.config.tokenLifetimeSeconds;
  const idToken = await ctx.issuer.idToken(user, clientId, "2.0", lifetime, nonce, {
    v1: `${signInBase(ctx)}/${ctx.config.tenantId}/`,
    v2: signInAuthority(ctx),
  });
  const body: Record<string, unknown> = { token_type: "Bearer", id_token: idToken.token, expires_in: lifetime };
  if (wanted.length > 0) {
    // One resource per access token, as Entra: the scopes of one API (v2-permissions-and-consent.md).
    const resolved = resolveResource(ctx.config, wanted[0]!);
    if (resolved.kind !== "api") throw new HttpError(400, "invalid_scope", `${wanted[0]} is not a registered API`);
    const access = await ctx.issuer.forUser(user, resolved, lifetime, clientId);
    body.access_token = access.token;
    body.scope = wanted.join(" ");
    body.ext_expires_in = lifetime;
  }
  if (scope.split(/\s+/).includes("offline_access")) {
    const refresh = randomBytes(32).toString("base64url");
    state.refreshTokens.set(refresh, { clientId, user, scope });
    body.refresh_token = refresh;
  }
  sendJson(res, 200, body, { ...cors, "Cache-Control": "no-store", Pragma: "no-cache" });
}

/** GET …/oauth2/v2.0/logout: back to `post_logout_redirect_uri` when it is a loopback URI, otherwise a short page. */
export function handleLogout(res: ServerResponse, url: URL): void {
  const target = url.searchParams.get("post_logout_redirect_uri");
  if (target) {
    acceptableRedirectUri(target);
    res.writeHead(302, { Location: target, "Content-Length": "0" });
    return void res.end();
  }
  const page = "<!doctype html><title>Signed out</title><p>Signed out.</p>";
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": String(page.length) });
  res.end(page);
}
