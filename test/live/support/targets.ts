import { randomBytes } from "node:crypto";
import { AzureCliCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";
import { aadScope, DEFAULT_AUDIENCE } from "../../../src/acr/index.js";
import { startLocalAcrForClient } from "../../integration/acr-client/support.js";
import { freshTempDir } from "../../support/paths.js";
import { startWebhookReceiver } from "../../support/webhook-receiver.js";

/**
 * Where the conformance scenario runs. One test file, two targets: the emulator (inside `npm test`, so the harness
 * itself is proven) and a real registry (`npm run test:live`, named by LIVE_* settings, signed-in Azure CLI identity).
 */
export interface ConformanceTarget {
  kind: "emulator" | "live";
  loginServer: string;
  /** Entra ID audience for the registry exchange. */
  audience: string;
  /** The repository the scenario pushes to; a tag of its own per run. */
  repository: string;
  /** The identity the gate runs as (reads and the release). */
  gate: TokenCredential;
  /** Who pushes, pulls and cleans up (skopeo and a manifest delete), each through the documented exchange. */
  pusher: TokenCredential;
  puller: TokenCredential;
  deleter: TokenCredential;
  /** skopeo's --cert-dir: the local CA for the emulator, an empty folder (system roots) for Azure. */
  certDir: string;
  arm: {
    endpoint: string;
    audience: string;
    credential: TokenCredential;
    /** The registry's ARM resource id. */
    resourceId: string;
    /** A webhook on the registry with the quarantine and push actions whose scope covers `repository`. */
    webhook: string;
  };
  /** How long webhook events may take to show up in listEvents. */
  eventTimeoutMs: number;
  close(): Promise<void>;
}

/** The settings `npm run test:live` needs, and what each is. */
export const LIVE_SETTINGS = {
  LIVE_ACR_LOGIN_SERVER: "login server of a Premium registry with the quarantine policy enabled, e.g. myacr.azurecr.io",
  LIVE_ACR_RESOURCE_ID:
    "its ARM resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.ContainerRegistry/registries/…)",
  LIVE_ACR_WEBHOOK:
    "name of a webhook on it with the actions quarantine and push whose scope covers LIVE_ACR_REPOSITORY",
} as const;

export class LiveSettingsMissingError extends Error {
  override readonly name = "LiveSettingsMissingError";
}

/** The target for this run: the emulator unless ACR_CONFORMANCE_TARGET=live (set by `npm run test:live`). */
export function conformanceTarget(env: NodeJS.ProcessEnv = process.env): Promise<ConformanceTarget> {
  return env.ACR_CONFORMANCE_TARGET === "live" ? liveTarget(env) : emulatorTarget();
}

async function emulatorTarget(): Promise<ConformanceTarget> {
  const local = await startLocalAcrForClient({
    settings: { webhookRetry: { maxAttempts: 1, initialDelayMs: 10, timeoutMs: 5_000 } },
  });
  const receiver = await startWebhookReceiver();
  const repository = "conformance/app";
  await local.admin("PUT", "/webhooks/conformance", {
    serviceUri: receiver.url,
    customHeaders: { Authorization: `Basic ${randomBytes(12).toString("base64")}` },
    actions: ["quarantine", "push"],
    scope: `${repository}:*`,
  });
  const identity = (name: keyof typeof local.identities) =>
    new ManagedIdentityCredential({ clientId: local.identities[name].clientId });
  return {
    kind: "emulator",
    loginServer: local.acr.loginServer,
    audience: DEFAULT_AUDIENCE,
    repository,
    gate: identity("gate"),
    pusher: identity("pusher"),
    puller: identity("puller"),
    deleter: identity("deleter"),
    certDir: local.acr.certDir,
    arm: {
      endpoint: local.acr.url,
      audience: "https://management.azure.com",
      credential: identity("owner"),
      resourceId: local.acr.armResourceId,
      webhook: "conformance",
    },
    eventTimeoutMs: 10_000,
    close: async () => {
      await receiver.close();
      await local.stop();
    },
  };
}

async function liveTarget(env: NodeJS.ProcessEnv): Promise<ConformanceTarget> {
  const missing = Object.keys(LIVE_SETTINGS).filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new LiveSettingsMissingError(
      `npm run test:live needs a real registry, and these settings are missing:\n` +
        missing.map((name) => `  ${name}: ${LIVE_SETTINGS[name as keyof typeof LIVE_SETTINGS]}`).join("\n") +
        `\nSign in with \`az login\` first; see docs/registry-client.md ("Live conformance"). Nothing was tested.`,
    );
  }
  // The signed-in Azure CLI identity does everything; its roles are listed in docs/registry-client.md.
  const cli = new AzureCliCredential();
  const audience = env.LIVE_ACR_TOKEN_AUDIENCE?.trim() || DEFAULT_AUDIENCE;
  // Fail here, with the CLI's own message, if nobody is signed in, rather than in the middle of the scenario.
  await cli.getToken(aadScope(audience));
  return {
    kind: "live",
    loginServer: env.LIVE_ACR_LOGIN_SERVER!.trim().toLowerCase(),
    audience,
    repository: env.LIVE_ACR_REPOSITORY?.trim() || "quarantine-gate/conformance",
    gate: cli,
    pusher: cli,
    puller: cli,
    deleter: cli,
    certDir: freshTempDir("live-certs"),
    arm: {
      endpoint: env.LIVE_ARM_ENDPOINT?.trim() || "https://management.azure.com",
      audience: env.LIVE_ARM_AUDIENCE?.trim() || "https://management.azure.com",
      credential: cli,
      resourceId: env.LIVE_ACR_RESOURCE_ID!.trim(),
      webhook: env.LIVE_ACR_WEBHOOK!.trim(),
    },
    eventTimeoutMs: 120_000,
    close: async () => undefined,
  };
}
