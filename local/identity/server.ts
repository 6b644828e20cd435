import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "../http/errors.js";
import { sendJson } from "../http/respond.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensurePrivateDir } from "../fs/private-files.js";
import { ensureLocalCa, ensureServerCertificate } from "../tls/ca.js";
import { listenHttpAndHttps } from "./dual-listener.js";
import {
  SignInState,
  handleAuthorize,
  handleLogout,
  handlePreflight,
  handleSignInDiscovery,
  handleToken,
  corsHeaders,
  signInAuthority,
} from "./sign-in.js";
import { defaultIdentityConfig, type ApiRegistration, type IdentityConfig } from "./config.js";
import { loadOrCreateSigningKey } from "./keys.js";
import { TokenIssuer } from "./token-issuer.js";
import { issuersUnder, type Issuers } from "./claims.js";
import {
  MSI_TOKEN_PATH,
  handleIdToken,
  handleJwks,
  handleMsiToken,
  handleOpenIdConfiguration,
  handleUserToken,
  type IdentityContext,
} from "./handlers.js";

export interface IdentityServerOptions {
  port?: number;
  stateDir?: string;
  /** The CA that signs the sign-in front's TLS certificate (default: a CA of the endpoint's own under stateDir). */
  caDir?: string;
  config?: Partial<IdentityConfig>;
}

export interface IdentityServer {
  /** Value for IDENTITY_ENDPOINT. */
  endpoint: string;
  /** Value for IDENTITY_HEADER. */
  identityHeader: string;
  /** The authority host: where `/{tenant}/…/.well-known/openid-configuration` lives (APPROVER_AUTHORITY_HOST locally). */
  baseUrl: string;
  /**
   * The issuer of this endpoint's managed-identity tokens for Azure resources (ARM, ACR, storage), which are v1.0:
   * the local form of `https://sts.windows.net/{tenant}/`. Verifiers of such tokens (the ACR emulator) accept it.
   */
  issuer: string;
  /** Both issuer forms of the tenant: v1.0 `<base>/{tenant}/` and v2.0 `<base>/{tenant}/v2.0`. */
  issuers: Issuers;
  jwksUri: string;
  /**
   * The OpenID Connect authority browsers sign in with (MSAL `auth.authority`, OIDC protocol mode): the same port
   * over https, `https://127.0.0.1:<port>/{tenant}/v2.0` (local/identity/sign-in.ts).
   */
  signInAuthority: string;
  /** The CA certificate of the sign-in front's TLS certificate (browsers and tools that should trust it). */
  signInCaCertPath: string;
  config: IdentityConfig;
  counters: Map<string, number>;
  /** The environment a process needs so that @azure/identity's ManagedIdentityCredential uses this endpoint. */
  environment(): Record<string, string>;
  /**
   * Registers (or replaces, by client ID) a web API in the tenant, as creating an app registration does in Entra ID;
   * tokens issued afterwards for it take its shape (version, audience, roles).
   */
  registerApi(api: ApiRegistration): void;
  close(): Promise<void>;
}

/** Starts the local managed-identity endpoint (App Service protocol) on loopback. */
export async function startIdentityServer(options: IdentityServerOptions = {}): Promise<IdentityServer> {
  const config: IdentityConfig = { ...defaultIdentityConfig(), ...options.config };
  const key = await loadOrCreateSigningKey(options.stateDir);
  const counters = new Map<string, number>();
  // The TLS keys of the sign-in front are secrets at rest like the signing key: 0600 in 0700 folders, fixed at start.
  const tlsRoot = options.stateDir ? join(options.stateDir, "tls") : mkdtempSync(join(tmpdir(), "identity-tls-"));
  if (options.stateDir) ensurePrivateDir(options.stateDir);
  ensurePrivateDir(tlsRoot);
  const ca = await ensureLocalCa(options.caDir ?? join(tlsRoot, "ca"));
  const certificate = await ensureServerCertificate(ca, join(tlsRoot, "sign-in"));
  const signIn = new SignInState();
  // The issuer needs the port, which is known only after listening; the context is filled in right after.
  const ready: { ctx?: IdentityContext } = {};
  const running = await listenHttpAndHttps(
    (req, res) => {
      if (!ready.ctx) return void res.writeHead(503).end();
      const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
      void (secure ? routeSignIn(ready.ctx, signIn, req, res) : route(ready.ctx, req, res));
    },
    { port: options.port, tls: { key: certificate.key, cert: certificate.cert } },
  );
  const baseUrl = `http://127.0.0.1:${running.port}`;
  const issuers = issuersUnder(baseUrl, config.tenantId);
  ready.ctx = { config, key, issuer: new TokenIssuer(key, issuers, config), baseUrl, counters };
  const endpoint = `${baseUrl}${MSI_TOKEN_PATH}`;
  return {
    endpoint,
    identityHeader: config.identityHeader,
    baseUrl,
    issuer: issuers.v1,
    issuers,
    jwksUri: `${baseUrl}/${config.tenantId}/discovery/v2.0/keys`,
    signInAuthority: signInAuthority(ready.ctx),
    signInCaCertPath: ca.certPath,
    config,
    counters,
    environment: () => ({ IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: config.identityHeader }),
    registerApi: (api) => {
      config.apis = [...config.apis.filter((a) => a.clientId.toLowerCase() !== api.clientId.toLowerCase()), api];
    },
    close: running.close,
  };
}

async function route(ctx: IdentityContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", ctx.baseUrl);
  const path = url.pathname;
  ctx.counters.set(path, (ctx.counters.get(path) ?? 0) + 1);
  const tenant = ctx.config.tenantId;
  try {
    if (path === MSI_TOKEN_PATH) return await handleMsiToken(ctx, req, res, url);
    if (
      path === "/.well-known/jwks.json" ||
      path === `/${tenant}/discovery/v2.0/keys` ||
      path === `/${tenant}/discovery/keys`
    ) {
      return handleJwks(ctx, res);
    }
    if (path === `/${tenant}/v2.0/.well-known/openid-configuration`) return handleOpenIdConfiguration(ctx, res, "2.0");
    if (path === `/${tenant}/.well-known/openid-configuration`) return handleOpenIdConfiguration(ctx, res, "1.0");
    if (path === "/admin/user-token") return await handleUserToken(ctx, req, res);
    if (path === "/admin/id-token") return await handleIdToken(ctx, req, res);
    throw new HttpError(404, "not_found", `no such endpoint: ${path}`);
  } catch (error) {
    const e = error instanceof HttpError ? error : new HttpError(500, "server_error", (error as Error).message);
    if (!res.headersSent) sendJson(res, e.status, { error: e.code, error_description: e.message });
  }
}

/**
 * The https side of the port: the OpenID Connect provider for browsers (discovery, authorize, token, keys, logout;
 * local/identity/sign-in.ts). The managed-identity and admin routes are not served here.
 */
async function routeSignIn(
  ctx: IdentityContext,
  state: SignInState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", ctx.baseUrl.replace(/^http:/, "https:"));
  const path = url.pathname;
  ctx.counters.set(`https:${path}`, (ctx.counters.get(`https:${path}`) ?? 0) + 1);
  const tenant = `/${ctx.config.tenantId}`;
  try {
    if (req.method === "OPTIONS") return handlePreflight(req, res);
    if (path === `${tenant}/v2.0/.well-known/openid-configuration`)
      return handleSignInDiscovery(ctx, res, req.headers.origin);
    if (path === `${tenant}/discovery/v2.0/keys`)
      return sendJson(res, 200, { keys: [ctx.key.publicJwk] }, corsHeaders(req.headers.origin));
    if (path === `${tenant}/oauth2/v2.0/authorize`) return await handleAuthorize(ctx, state, req, res, url);
    if (path === `${tenant}/oauth2/v2.0/token`) return await handleToken(ctx, state, req, res);
    if (path === `${tenant}/oauth2/v2.0/logout`) return handleLogout(res, url);
    throw new HttpError(404, "not_found", `no such endpoint: ${path}`);
  } catch (error) {
    const e = error instanceof HttpError ? error : new HttpError(500, "server_error", (error as Error).message);
    if (!res.headersSent)
      sendJson(res, e.status, { error: e.code, error_description: e.message }, corsHeaders(req.headers.origin));
  }
}
