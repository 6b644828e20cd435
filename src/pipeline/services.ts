import { createHash } from "node:crypto";
import { createAcrClient, type AcrClient } from "../acr/index.js";
import { loginServer, repositoryName } from "../acr/names.js";
import { repositoryScope } from "../acr/scopes.js";
import { HarborScannerClient } from "../scanning/harbor/client.js";
import type { PullTokenSource } from "../scanning/pull-token.js";
import { parsePolicy } from "../policy/index.js";
import type { PolicyDocument } from "../policy/index.js";
import { AuditLog } from "../audit/audit-log.js";
import { storageConnection, tableClient } from "../storage/clients.js";
import { appConfig, type AppConfig } from "../config.js";

/** Everything the pipeline's activities use, built once per process from the app settings. */
export interface GateServices {
  config: AppConfig;
  acr: AcrClient;
  scanner: HarborScannerClient;
  pullTokens: PullTokenSource;
  policy: PolicyDocument;
  /** A short hash of the policy document: which policy a decision was made under. */
  policyVersion: string;
  audit: AuditLog;
}

let services: GateServices | undefined;

export function gateServices(): GateServices {
  services ??= buildServices(appConfig());
  return services;
}

function buildServices(config: AppConfig): GateServices {
  const acr = createAcrClient(config.registry);
  if (config.scanner.kind !== "harbor") {
    throw new Error(`SCANNER_KIND=${config.scanner.kind} is not wired into the pipeline yet; use SCANNER_KIND=harbor with HARBOR_SCANNER_URL`);
  }
  const policy = parsePolicy(config.policy.document);
  return {
    config,
    acr,
    scanner: new HarborScannerClient({ baseUrl: config.scanner.harborUrl.toString() }),
    pullTokens: {
      // The scanner pulls with the gate's own quarantine-reader rights, for this one repository only.
      pullToken: (server, repository) => acr.tokens.accessToken(loginServer(server), [repositoryScope(repositoryName(repository), ["pull"])]),
    },
    policy,
    policyVersion: createHash("sha256").update(JSON.stringify(policy)).digest("hex").slice(0, 12),
    audit: new AuditLog(tableClient(storageConnection(), config.storage.auditTable)),
  };
}
