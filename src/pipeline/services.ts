import { createAcrClient, type AcrClient } from "../acr/index.js";
import { loginServer, repositoryName } from "../acr/names.js";
import { repositoryScope } from "../acr/scopes.js";
import { HarborScannerClient } from "../scanning/harbor/client.js";
import type { PullTokenSource } from "../scanning/pull-token.js";
import { gatePolicy } from "./gate-policy.js";
import type { PolicyDocument } from "../policy/index.js";
import type { AuditLog } from "../audit/audit-log.js";
import { ScanCallbackLedger } from "./scan-ledger.js";
import { queueClient, tableClient, type StorageConnection } from "../storage/clients.js";
import { QueueScanDispatcher } from "../scanning/queue/index.js";
import { VexContainerSource } from "../scanning/vex/container-source.js";
import type { ImageVexSource } from "../scanning/vex/combined-source.js";
import { blobContainerClient } from "../storage/blobs.js";
import { ConfigError, type AppConfig } from "../config.js";
import { FINDINGS_CONTAINER, FindingsStore } from "./views/findings-store.js";

/** Everything the pipeline's activities and callbacks use, built once per process by the composition root. */
export interface GateServices {
  acr: AcrClient;
  /** The Harbor adapter (SCANNER_KIND=harbor), or undefined. */
  scanner: HarborScannerClient | undefined;
  /** The queue to external scanners (SCANNER_KIND=queue), or undefined. */
  queue: QueueScanDispatcher | undefined;
  pullTokens: PullTokenSource;
  policy: PolicyDocument;
  /** A short hash of the policy document: which policy a decision was made under. */
  policyVersion: string;
  /** The policy's load warnings (e.g. a requireApprovalAt that can never apply); /api/health shows them. */
  policyWarnings: string[];
  audit: AuditLog;
  /** Single use of external scanners' callback tokens. */
  scanLedger: ScanCallbackLedger;
  /**
   * OpenVEX documents from the VEX_CONTAINER blob container and/or the image's own referrers (VEX_REFERRERS, added by
   * the composition root), or undefined (then only the policy's own VEX).
   */
  vex: ImageVexSource | undefined;
  /** Where the scan step stores each judged report's findings rows, for the image page (blob container image-findings). */
  findings: Pick<FindingsStore, "save">;
}

/** The settings the gate's services are built from. */
export type GateServiceSettings = Pick<AppConfig, "registry" | "gate" | "scanner" | "policy" | "status">;

/** Builds the services from validated settings; a combination of settings that cannot work is a ConfigError. */
export function buildGateServices(
  config: GateServiceSettings,
  connection: StorageConnection,
  audit: AuditLog,
): GateServices {
  const acr = createAcrClient(config.registry);
  const loaded = gatePolicy(config.policy.document);
  const pullTokens: PullTokenSource = {
    // The scanner pulls with the gate's own quarantine-reader rights, for this one repository only.
    pullToken: (server, repository) =>
      acr.tokens.accessToken(loginServer(server), [repositoryScope(repositoryName(repository), ["pull"])]),
  };
  let queue: QueueScanDispatcher | undefined;
  if (config.scanner.kind === "queue") {
    if (!config.status.baseUrl)
      throw new ConfigError([
        "SCANNER_KIND=queue needs STATUS_BASE_URL: external scanners post their reports to <STATUS_BASE_URL>/scans/{scanId}",
      ]);
    const client = queueClient(connection, config.scanner.queueName);
    queue = new QueueScanDispatcher({
      queue: { sendMessage: async (text) => (await client.createIfNotExists(), client.sendMessage(text)) },
      pullTokens,
      callbackBaseUrl: `${config.status.baseUrl.replace(/\/$/, "")}/scans`,
    });
  }
  return {
    acr,
    scanner:
      config.scanner.kind === "harbor"
        ? new HarborScannerClient({ baseUrl: config.scanner.harborUrl.toString() })
        : undefined,
    queue,
    pullTokens,
    policy: loaded.policy,
    policyVersion: loaded.version,
    policyWarnings: loaded.warnings,
    audit,
    scanLedger: new ScanCallbackLedger(tableClient(connection, `${config.gate.taskHub}ScanCallbacks`)),
    vex: config.policy.vexContainer
      ? new VexContainerSource(blobContainerClient(connection, config.policy.vexContainer), {
          refreshAfterMs: config.policy.vexRefreshMs,
        })
      : undefined,
    findings: new FindingsStore(blobContainerClient(connection, FINDINGS_CONTAINER)),
  };
}
