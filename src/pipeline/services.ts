import { createHash } from "node:crypto";
import { createAcrClient, type AcrClient } from "../acr/index.js";
import { loginServer, repositoryName } from "../acr/names.js";
import { repositoryScope } from "../acr/scopes.js";
import { HarborScannerClient } from "../scanning/harbor/client.js";
import type { PullTokenSource } from "../scanning/pull-token.js";
import { parsePolicy } from "../policy/index.js";
import type { PolicyDocument } from "../policy/index.js";
import { AuditLog } from "../audit/audit-log.js";
import { ScanCallbackLedger } from "./scan-ledger.js";
import { queueClient, storageConnection, tableClient } from "../storage/clients.js";
import { QueueScanDispatcher } from "../scanning/queue/index.js";
import { appConfig, type AppConfig } from "../config.js";

/** Everything the pipeline's activities use, built once per process from the app settings. */
export interface GateServices {
  config: AppConfig;
  acr: AcrClient;
  /** The Harbor adapter (SCANNER_KIND=harbor), or undefined. */
  scanner: HarborScannerClient | undefined;
  /** The queue to external scanners (SCANNER_KIND=queue), or undefined. */
  queue: QueueScanDispatcher | undefined;
  pullTokens: PullTokenSource;
  policy: PolicyDocument;
  /** A short hash of the policy document: which policy a decision was made under. */
  policyVersion: string;
  audit: AuditLog;
  /** Single use of external scanners' callback tokens. */
  scanLedger: ScanCallbackLedger;
}

let services: GateServices | undefined;

export function gateServices(): GateServices {
  services ??= buildServices(appConfig());
  return services;
}

function buildServices(config: AppConfig): GateServices {
  const acr = createAcrClient(config.registry);
  const policy = parsePolicy(config.policy.document);
  const pullTokens: PullTokenSource = {
    // The scanner pulls with the gate's own quarantine-reader rights, for this one repository only.
    pullToken: (server, repository) =>
      acr.tokens.accessToken(loginServer(server), [repositoryScope(repositoryName(repository), ["pull"])]),
  };
  const connection = storageConnection();
  let queue: QueueScanDispatcher | undefined;
  if (config.scanner.kind === "queue") {
    if (!config.status.baseUrl)
      throw new Error(
        "SCANNER_KIND=queue needs STATUS_BASE_URL: external scanners post their reports to <STATUS_BASE_URL>/scans/{scanId}",
      );
    const client = queueClient(connection, config.scanner.queueName);
    queue = new QueueScanDispatcher({
      queue: { sendMessage: async (text) => (await client.createIfNotExists(), client.sendMessage(text)) },
      pullTokens,
      callbackBaseUrl: `${config.status.baseUrl.replace(/\/$/, "")}/scans`,
    });
  }
  return {
    config,
    acr,
    scanner:
      config.scanner.kind === "harbor"
        ? new HarborScannerClient({ baseUrl: config.scanner.harborUrl.toString() })
        : undefined,
    queue,
    pullTokens,
    policy,
    policyVersion: createHash("sha256").update(JSON.stringify(policy)).digest("hex").slice(0, 12),
    audit: new AuditLog(tableClient(connection, config.storage.auditTable)),
    scanLedger: new ScanCallbackLedger(tableClient(connection, `${config.gate.taskHub}ScanCallbacks`)),
  };
}
