import { join } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { projectRoot } from "./paths.js";
import { startIdentityServer, type IdentityServer } from "../identity/server.js";
import { startAcrEmulator, type AcrEmulator } from "../acr-emulator/server.js";
import { callEmulatorAdmin } from "../acr-emulator/admin-client.js";
import { startAzurite, type RunningAzurite } from "../azurite/index.js";
import { startScannerEmulator, type ScannerEmulator } from "../scanner-emulator/server.js";
import { reportsFromDirectory } from "../scanner-emulator/reports.js";
import { startDevHost, type DevHost, type LogSink } from "../devhost/index.js";
import type { ApiRegistration, LocalIdentity, LocalUser } from "../identity/config.js";
import type { Principal } from "../acr-emulator/model.js";
import { APP_IDENTITY, APPROVER_API, STACK_PRINCIPALS } from "./defaults.js";
import { STACK_POLICY, reportFor } from "./advisories.js";
import { startLocalScanWorker, type LocalScanWorker } from "../trivy-standin/local-scan-worker.js";
import { ensurePrivateDir, makeTreePrivate, withPrivateUmask } from "../fs/private-files.js";
import { randomBytes } from "node:crypto";
import { startNotifyReceiver, type NotifyReceiver } from "../notify-receiver/server.js";
import { startEventGridStandIn, type EventGridStandIn } from "../eventgrid/server.js";

export { APPROVER_AUDIENCE } from "./audience.js";

/** The local stack's VEX container on Azurite (created at start; the app reads it through VEX_CONTAINER). */
export const LOCAL_VEX_CONTAINER = "vex";

export interface StackOptions {
  stateDir: string;
  caDir: string;
  /** Fixed ports for `npm start`; tests leave them 0 (free ports). */
  ports?: { identity?: number; acr?: number; acrAdmin?: number; devhost?: number; scanner?: number };
  identities?: LocalIdentity[];
  users?: LocalUser[];
  /** The approver API registration (default APPROVER_API: v1.0 tokens, like a new Entra registration). */
  approverApi?: ApiRegistration;
  principals?: Principal[];
  /** App settings that win over the stack's (e.g. short deadlines in tests). */
  settings?: Record<string, string>;
  /** Scanner behaviour: polls answered 302 before a report is ready. */
  scannerPendingPolls?: number;
  logSinks?: LogSink[];
  /** Pins the devhost's keys (otherwise random per start). */
  functionKey?: string;
  /**
   * Runs the scan worker (scanner-worker/, with the stand-in trivy) on the scan queue when the app uses the queue
   * path (SCANNER_KIND=queue, the default). Tests that play the external scanner themselves turn it off.
   */
  scanWorker?: boolean;
  /**
   * The local notification sinks' secrets (otherwise new at every start): the webhook signing secret, and a credential
   * put in every chat and webhook sink URL's query (`?sig=…`, as a Teams Workflows URL carries one), so tests can
   * search logs and outputs for them.
   */
  notify?: { webhookSecret?: string; urlCredential?: string };
  /**
   * Tests only: the devhost's clock can be moved forward through `POST /admin/host/clock` (durable timers,
   * orchestration time and timer triggers; every other part keeps the real time). Unset: the process environment's
   * DEVHOST_ADJUSTABLE_CLOCK decides (off when unset), so `DEVHOST_ADJUSTABLE_CLOCK=1 npm start` turns it on too.
   */
  adjustableClock?: boolean;
  /** Extra environment for the queue scan worker (and the Trivy it runs), e.g. TRIVY_STANDIN_REPORTS in tests. */
  scanWorkerEnv?: Record<string, string>;
}

export interface LocalStack {
  identity: IdentityServer;
  acr: AcrEmulator;
  azurite: RunningAzurite;
  scanner: ScannerEmulator;
  /** The scan worker, when the queue path is on and the worker is not turned off. */
  scanWorker: LocalScanWorker | undefined;
  devhost: DevHost;
  appRoot: string;
  /** Shows what notifications would be sent (webhook, Teams, Slack): GET its url. */
  notifyReceiver: NotifyReceiver;
  /** The Event Grid topic stand-in (checks the token's audience and the CloudEvents batch). */
  eventGrid: EventGridStandIn;
  stop(): Promise<void>;
}

/**
 * The whole product on one machine: identity endpoint, ACR emulator over docker-registry with quarantine on and its
 * webhook pointed at the app, Azurite, a Harbor scanner emulator, and the devhost running the compiled app.
 */
export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const ports = options.ports ?? {};
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.reverse())
      await stop().catch((error: Error) => console.error(`stopping: ${error.message}`));
  };
  try {
    // The state folder holds keys and secrets (journal, signing key, the app's durable state): owner-only, and so is
    // everything under it that the parts write (see local/fs/private-files.ts).
    ensurePrivateDir(options.stateDir);
    const identity = await startIdentityServer({
      port: ports.identity ?? 0,
      stateDir: join(options.stateDir, "identity"),
      config: {
        userAssigned: options.identities ?? [APP_IDENTITY],
        users: options.users ?? [],
        apis: [options.approverApi ?? APPROVER_API],
      },
    });
    stoppers.push(() => identity.close());
    const acr = await startAcrEmulator({
      dataDir: join(options.stateDir, "acr"),
      caDir: options.caDir,
      identity: { jwksUri: identity.jwksUri, issuer: identity.issuer },
      port: ports.acr ?? 0,
      adminPort: ports.acrAdmin ?? 0,
      // As the infra grants them (the app's AcrPush: its referrers and re-evaluation's lock).
      principals: options.principals ?? STACK_PRINCIPALS,
      settings: { quarantinePolicy: "enabled" },
    });
    stoppers.push(() => acr.stop());
    // Azurite writes its own files (the app's durable state, queue messages with scan callbacks): its folder is made
    // private, files left from earlier runs included, and it runs under umask 077 so what it writes next is too.
    const azuriteDir = join(options.stateDir, "azurite");
    ensurePrivateDir(azuriteDir);
    makeTreePrivate(azuriteDir);
    const azurite = await withPrivateUmask(() => startAzurite({ location: azuriteDir }));
    stoppers.push(() => azurite.close());
    // GATE_LOCAL_ADVISORIES names a folder of Trivy JSON reports (<repo with / as __>.json, or default.json) to use
    // instead of the built-in advisories.
    const advisories = process.env.GATE_LOCAL_ADVISORIES
      ? reportsFromDirectory(process.env.GATE_LOCAL_ADVISORIES)
      : reportFor;
    const scanner = await startScannerEmulator({
      caDir: options.caDir,
      port: ports.scanner ?? 0,
      reportFor: advisories,
      pendingPolls: options.scannerPendingPolls ?? 1,
      refreshAfterSeconds: 1,
    });
    stoppers.push(() => scanner.stop());

    // The VEX container (VEX_CONTAINER), as the Bicep creates it in Azure: put OpenVEX documents in it to suppress
    // findings (docs/policy.md, "VEX from a blob container").
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(LOCAL_VEX_CONTAINER)
      .createIfNotExists();

    // Notifications (docs/notifications.md): every sink kind, pointed at the local receiver and the Event Grid
    // stand-in. The webhook secret is new at every start, like the function keys.
    const webhookSecret = options.notify?.webhookSecret ?? `whsec_${randomBytes(32).toString("base64")}`;
    const notifyReceiver = await startNotifyReceiver({ webhookSecret });
    stoppers.push(() => notifyReceiver.stop());
    const eventGrid = await startEventGridStandIn({
      caDir: options.caDir,
      identity: { issuer: identity.issuer, jwksUri: identity.jwksUri },
    });
    stoppers.push(() => eventGrid.stop());

    const appRoot = projectRoot();
    const devhost = await startDevHost({
      appRoot,
      port: ports.devhost ?? 0,
      storageConnectionString: azurite.connectionString,
      logSinks: options.logSinks,
      adjustableClock: options.adjustableClock,
      settings: {
        ...appSettings({ identity, acr, scanner }),
        VEX_CONTAINER: LOCAL_VEX_CONTAINER,
        ...localNotifySettings(notifyReceiver, eventGrid, webhookSecret, options.notify?.urlCredential),
        ...(options.functionKey ? { DEVHOST_FUNCTION_KEY: options.functionKey } : {}),
        ...options.settings,
      },
    });
    stoppers.push(() => devhost.close());
    const settings = { ...appSettings({ identity, acr, scanner }), ...options.settings };
    let scanWorker: LocalScanWorker | undefined;
    if (settings.SCANNER_KIND === "queue" && options.scanWorker !== false) {
      const worker = startLocalScanWorker({
        connectionString: azurite.connectionString,
        scanQueueName: settings.SCAN_QUEUE_NAME ?? "scan-requests",
        mode: "loop",
        // The stand-in reads its recordings from test/fixtures/trivy; GATE_LOCAL_ADVISORIES has no say here.
        env: { SCAN_TIMEOUT_SECONDS: "120", ...options.scanWorkerEnv },
        onLine: (line) => {
          for (const sink of options.logSinks ?? [])
            sink({ time: new Date(), level: "information", category: "ScanWorker", message: line });
        },
      });
      scanWorker = worker;
      stoppers.push(() => worker.stop());
    }
    // The status link needs the devhost's address, known only now; activities read it lazily at their first call.
    process.env.STATUS_BASE_URL ??= `${devhost.url}/api`;
    await pointWebhookAt(acr, devhost.url, devhost.keys.functionKey);
    return { identity, acr, azurite, scanner, scanWorker, devhost, appRoot, notifyReceiver, eventGrid, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The approver API: the (one) web API registered with the stack's identity endpoint, or APPROVER_API, registered
 * now, when the endpoint has none yet.
 */
export function approverApiOf(identity: IdentityServer): ApiRegistration {
  const registered = identity.config.apis[0];
  if (registered) return registered;
  // As in Azure, where the deployment hook creates the app registration before the app settings name it.
  identity.registerApi(APPROVER_API);
  return APPROVER_API;
}

/** The app settings that connect the app to the local stack (what Azure's app settings are in production). */
export function appSettings(parts: {
  identity: IdentityServer;
  acr: AcrEmulator;
  scanner: ScannerEmulator;
}): Record<string, string> {
  const approverApi = approverApiOf(parts.identity);
  return {
    ...parts.identity.environment(),
    AZURE_CLIENT_ID: APP_IDENTITY.clientId,
    DURABLE_TASK_HUB: "QuarantineGate",
    GATE_REGISTRIES: parts.acr.loginServer,
    GATE_MODE: "enforce",
    // The queue path, as deployed: the scan worker and the stand-in trivy. SCANNER_KIND=harbor uses the emulator.
    SCANNER_KIND: "queue",
    SCAN_QUEUE_NAME: "scan-requests",
    HARBOR_SCANNER_URL: parts.scanner.url,
    SCAN_DEADLINE: "PT10M",
    APPROVAL_DEADLINE: "P1D",
    POLICY_DOCUMENT: JSON.stringify(STACK_POLICY),
    // The approver API registration: tenant, client ID and App ID URI, as the deployment hook hands them over; the
    // authority host is the only local override (plain http is accepted for loopback only).
    APPROVER_TENANT_ID: parts.identity.config.tenantId,
    APPROVER_CLIENT_ID: approverApi.clientId,
    ...(approverApi.appIdUri ? { APPROVER_APP_ID_URI: approverApi.appIdUri } : {}),
    APPROVER_AUTHORITY_HOST: parts.identity.baseUrl,
    AUDIT_TABLE: "GateAudit",
    // The compliance sweep's management-plane checks go to the emulator's ARM surface.
    ARM_ENDPOINT: parts.acr.url,
    GATE_REGISTRY_RESOURCE_IDS: parts.acr.armResourceId,
  };
}

/** Configures the registry's webhook like the deployment does: quarantine, push and delete, with the function key. */
export async function pointWebhookAt(
  acr: AcrEmulator,
  appUrl: string,
  functionKey: string,
  status: "enabled" | "disabled" = "enabled",
): Promise<void> {
  await callEmulatorAdmin(acr.adminUrl, "PUT", "/webhooks/gate", {
    serviceUri: `${appUrl}/api/acr/events`,
    customHeaders: { "x-functions-key": functionKey },
    actions: ["quarantine", "push", "delete"],
    scope: "",
    status,
  });
}

/** The local subscription document: every event to every sink kind. */
export const LOCAL_SUBSCRIPTIONS = {
  version: 1,
  sinks: {
    eventgrid: { kind: "eventgrid" },
    webhook: { kind: "webhook" },
    teams: { kind: "teams" },
    slack: { kind: "slack" },
  },
  subscriptions: [{ sinks: ["eventgrid", "webhook", "teams", "slack"] }],
} as const;

/**
 * The app settings of the local notification sinks. In Azure NOTIFY_SINK_SECRETS is a Key Vault reference (the
 * Bicep), here its value: the receiver's URLs and the webhook secret, new at every start. `urlCredential` goes in each
 * URL's query like the credential of a real Teams Workflows or Slack URL (the receiver ignores it).
 */
export function localNotifySettings(
  receiver: NotifyReceiver,
  eventGrid: EventGridStandIn,
  webhookSecret: string,
  urlCredential?: string,
): Record<string, string> {
  const url = (sink: string) =>
    urlCredential ? `${receiver.hookUrl(sink)}?sig=${encodeURIComponent(urlCredential)}` : receiver.hookUrl(sink);
  return {
    NOTIFY_SUBSCRIPTIONS: JSON.stringify(LOCAL_SUBSCRIPTIONS),
    NOTIFY_EVENTGRID_ENDPOINT: eventGrid.endpoint,
    NOTIFY_SINK_SECRETS: JSON.stringify({
      webhook: { url: url("webhook"), secret: webhookSecret },
      teams: { url: url("teams") },
      slack: { url: url("slack") },
    }),
  };
}
