import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "../http/errors.js";
import { sendJson } from "../http/respond.js";
import { listen } from "../http/server.js";
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
  // The issuer needs the port, which is known only after listening; the context is filled in right after.
  const ready: { ctx?: IdentityContext } = {};
  const running = await listen(
    (req, res) => {
      if (!ready.ctx) return void res.writeHead(503).end();
      void route(ready.ctx, req, res);
    },
    { port: options.port },
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
