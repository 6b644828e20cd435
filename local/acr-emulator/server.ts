import type { IncomingMessage, ServerResponse } from "node:http";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { ensurePrivateDir } from "../fs/private-files.js";
import { join } from "node:path";
import { listen } from "../http/server.js";
import { acrError, sendAcrError } from "./errors.js";
import { HttpError } from "../http/errors.js";
import { ensureLocalCa, ensureServerCertificate } from "../tls/ca.js";
import { RegistryStore } from "./persistence/store.js";
import { ReferrersIndex } from "./persistence/referrers-index.js";
import { RegistryTokens, DEFAULT_LIFETIMES } from "./tokens.js";
import { AadVerifier } from "./middleware/aad.js";
import { Throttle } from "./middleware/throttle.js";
import { Faults } from "./middleware/faults.js";
import { Latency } from "./middleware/latency.js";
import { Stats } from "./middleware/stats.js";
import { GrantLog } from "./middleware/grant-log.js";
import { WebhookDispatcher } from "./webhooks/dispatcher.js";
import { startBackendRegistry } from "./registry-process.js";
import { handleExchange, handleToken } from "./handlers/oauth.js";
import { handleRegistry } from "./handlers/registry.js";
import { handleAcrApi } from "./handlers/acr-api.js";
import { handleAdmin } from "./handlers/admin.js";
import { handleArm } from "./handlers/arm.js";
import { armResourceId, registerArmRegistry, type ArmRegistryIdentity } from "./arm/registry-resource.js";
import { PREMIUM_THROTTLING, type Principal, type RegistrySettings, type WebhookConfig } from "./model.js";
import type { EmulatorContext } from "./context.js";

export interface AcrEmulatorOptions {
  /** Folder for docker-registry's blobs, the emulator's journal and its TLS certificate. */
  dataDir: string;
  /** Folder of the local CA shared by the whole local stack. */
  caDir: string;
  /** Where Entra ID tokens are verified: the identity endpoint's JWKS and issuer. */
  identity: { jwksUri: string; issuer: string };
  port?: number;
  adminPort?: number;
  /** Desired state applied at start (kept across restarts in the journal, overriding what it had). */
  principals?: Principal[];
  webhooks?: WebhookConfig[];
  settings?: Partial<RegistrySettings>;
  /** The registry's place in ARM (subscription, resource group, name, location); defaults in arm/registry-resource.ts. */
  arm?: Partial<ArmRegistryIdentity>;
}

export interface AcrEmulator {
  /** host:port as clients name the registry, e.g. localhost:5443. */
  loginServer: string;
  /** https://<loginServer> */
  url: string;
  /** http://127.0.0.1:<adminPort> — the emulator's admin API. */
  adminUrl: string;
  caCertPath: string;
  /** A folder with ca.crt, for skopeo's --src-cert-dir / --dest-cert-dir. */
  certDir: string;
  backendUrl: string;
  /** The registry's ARM resource id, served by the management surface under /subscriptions/… on the HTTPS port. */
  armResourceId: string;
  context: EmulatorContext;
  stop(): Promise<void>;
}

/** No repository name, tag or digest contains percent-encoding, backslashes, empty or dot segments. */
const HOSTILE_PATH = /%|\\|\/\.\.?(\/|$)|\/\//;

const DEFAULT_SETTINGS: RegistrySettings = {
  quarantinePolicy: "enabled",
  throttling: PREMIUM_THROTTLING,
  tokens: DEFAULT_LIFETIMES,
  webhookRetry: { maxAttempts: 4, initialDelayMs: 1_000, timeoutMs: 10_000 },
};

/** Starts docker-registry and the ACR front over it (HTTPS) plus the admin API (HTTP), all on loopback. */
export async function startAcrEmulator(options: AcrEmulatorOptions): Promise<AcrEmulator> {
  // The data folder holds the journal (token-signing secret, passwords, webhook keys) and docker-registry's secret.
  ensurePrivateDir(options.dataDir);
  const ca = await ensureLocalCa(options.caDir);
  const certificate = await ensureServerCertificate(ca, join(options.caDir, "server"));
  const certDir = join(options.caDir, "skopeo");
  mkdirSync(certDir, { recursive: true });
  copyIfChanged(ca.certPath, join(certDir, "ca.crt"));

  const store = new RegistryStore(options.dataDir, { ...DEFAULT_SETTINGS, ...options.settings });
  if (options.settings) store.updateSettings(options.settings);
  for (const principal of options.principals ?? []) store.putPrincipal(principal);
  for (const webhook of options.webhooks ?? []) store.putWebhook(webhook);

  const backend = await startBackendRegistry(join(options.dataDir, "registry"));
  const stopBackendOnExit = () => void backend.stop();
  process.once("exit", stopBackendOnExit);

  const throttle = new Throttle();
  throttle.configure(store.settings().throttling);
  // The login server includes the port, known only once listening; requests before then get 503.
  const ready: { ctx?: EmulatorContext } = {};
  const api = await listen((req, res) => void (ready.ctx ? serveAcr(ready.ctx, req, res) : res.writeHead(503).end()), {
    port: options.port,
    tls: certificate,
  });
  const loginServer = `localhost:${api.port}`;
  const context: EmulatorContext = {
    loginServer,
    baseUrl: `https://${loginServer}`,
    backendUrl: backend.url,
    store,
    referrers: new ReferrersIndex(options.dataDir),
    tokens: new RegistryTokens(store.tokenSecret, loginServer, () => store.settings().tokens),
    aad: new AadVerifier(options.identity.jwksUri, [options.identity.issuer]),
    throttle,
    faults: new Faults(),
    latency: new Latency(),
    stats: new Stats(),
    grants: new GrantLog(),
    webhooks: new WebhookDispatcher(store),
  };
  const arm = registerArmRegistry(context, options.arm);
  ready.ctx = context;
  const admin = await listen((req, res) => void serveAdmin(context, req, res, (s) => throttle.configure(s)), {
    port: options.adminPort,
  });

  return {
    loginServer,
    url: context.baseUrl,
    adminUrl: `http://127.0.0.1:${admin.port}`,
    caCertPath: ca.certPath,
    certDir,
    backendUrl: backend.url,
    armResourceId: armResourceId(arm),
    context,
    stop: async () => {
      process.off("exit", stopBackendOnExit);
      await Promise.all([api.close(), admin.close()]);
      await backend.stop();
    },
  };
}

async function serveAcr(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const raw = req.url ?? "/";
    // "//host/…" would be read as another origin by the URL parser; no ACR path starts that way.
    if (!raw.startsWith("/") || raw.startsWith("//")) throw acrError(400, "NAME_INVALID", "invalid request target");
    // Checked on the raw target: the URL parser would silently resolve "..", "%2e%2e" and "\\" into another path.
    if (HOSTILE_PATH.test(raw.split("?")[0]!))
      throw acrError(400, "NAME_INVALID", "invalid characters or segments in path");
    const url = new URL(raw, ctx.baseUrl);
    ctx.stats.add("requests");
    const path = url.pathname;
    // Injected latency applies to every route of the HTTPS port (token endpoints and ARM included), before throttling.
    await ctx.latency.apply(req.method ?? "GET", path, res);
    if (path === "/oauth2/exchange") return await handleExchange(ctx, req, res);
    if (path === "/oauth2/token") return await handleToken(ctx, req, res, url);
    if (path === "/subscriptions" || path.startsWith("/subscriptions/")) return await handleArm(ctx, req, res, url);
    const isRegistry = path === "/v2" || path.startsWith("/v2/");
    const isAcr = path.startsWith("/acr/v1/");
    if (!isRegistry && !isAcr) {
      ctx.stats.add("unknown");
      throw acrError(404, "NAME_UNKNOWN", "no such endpoint");
    }
    ctx.throttle.admit(req.method ?? "GET");
    ctx.faults.apply(req.method ?? "GET", path);
    if (isRegistry) return await handleRegistry(ctx, req, res, url);
    return await handleAcrApi(ctx, req, res, url);
  } catch (error) {
    if (error instanceof HttpError && error.status === 429) ctx.stats.add("throttled");
    if (error instanceof HttpError && error.status === 401) ctx.stats.add("unauthorized");
    req.resume();
    sendAcrError(res, error);
  }
}

async function serveAdmin(
  ctx: EmulatorContext,
  req: IncomingMessage,
  res: ServerResponse,
  onThrottling: (s: RegistrySettings["throttling"]) => void,
): Promise<void> {
  try {
    await handleAdmin(ctx, req, res, new URL(req.url ?? "/", "http://127.0.0.1"), onThrottling);
  } catch (error) {
    req.resume();
    sendAcrError(res, error);
  }
}

/**
 * Puts the CA certificate where skopeo reads it, by rename: a stack starting while another's skopeo reads the folder
 * must never show it a truncated file (copying in place did: "x509: certificate signed by unknown authority").
 */
function copyIfChanged(source: string, target: string): void {
  const content = readFileSync(source);
  if (existsSync(target) && readFileSync(target).equals(content)) return;
  const staging = `${target}.${process.pid}.${randomUUID()}`;
  copyFileSync(source, staging);
  renameSync(staging, target);
}
