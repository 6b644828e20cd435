import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { createAcrClient, type AcrClient, type LoginServer } from "../acr/index.js";
import { AuditLog } from "../audit/audit-log.js";
import {
  CONFIG_PARTS,
  type AppConfig,
  type ComplianceConfig,
  type Env,
  type RegistryConfig,
  type SweepConfig,
} from "../config.js";
import { blobContainerClient } from "../storage/blobs.js";
import { storageConnection, tableClient, type StorageConnection } from "../storage/clients.js";
import { PassStore } from "./checkpoint.js";
import { RequestCounter } from "./enumerate/request-counter.js";
import { ManagementReader } from "./management/reader.js";
import type { PipelineDirectory } from "./pipeline-view.js";
import { ReportStore } from "./report-store.js";
import { PAGE_SIZE } from "./pass-runner.js";
import type { RegistrySweepDeps } from "./sweep-registry.js";
import type { BackfillDeps } from "./backfill/run.js";
import type { ShadowEvaluations } from "./backfill/shadow.js";

/** The table holding each registry's pass state (resume position, lease). */
export const PASS_TABLE = "GateSweepPasses";

/** What every sweep or backfill run needs: settings, storage and the clock, built once by the composition root. */
export interface SweepEnvironment {
  registry: RegistryConfig;
  sweep: SweepConfig;
  compliance: ComplianceConfig;
  statusBaseUrl: string | undefined;
  credential: TokenCredential;
  passes: PassStore;
  reports: ReportStore;
  audit: Pick<AuditLog, "record">;
  /** This app's host (WEBSITE_HOSTNAME): where the registry's quarantine webhook must deliver. */
  appHostname: string | undefined;
  now: () => Date;
}

/** The settings a sweep environment is built from. */
export type SweepSettings = Pick<AppConfig, "registry" | "sweep" | "compliance" | "status" | "storage" | "host">;

export function buildSweepEnvironment(
  settings: SweepSettings,
  connection: StorageConnection,
  audit: Pick<AuditLog, "record">,
  now: () => Date,
): SweepEnvironment {
  const { registry } = settings;
  return {
    registry,
    sweep: settings.sweep,
    compliance: settings.compliance,
    statusBaseUrl: settings.status.baseUrl,
    credential: new DefaultAzureCredential(
      registry.managedIdentityClientId ? { managedIdentityClientId: registry.managedIdentityClientId } : {},
    ),
    passes: new PassStore(tableClient(connection, PASS_TABLE)),
    reports: new ReportStore(blobContainerClient(connection, settings.storage.reportContainer)),
    audit,
    appHostname: settings.host.appHostname,
    now,
  };
}

/** A sweep environment straight from an environment's settings (through config.ts), for the bench and tools. */
export function sweepEnvironment(env: Env, now: () => Date = () => new Date()): SweepEnvironment {
  const settings: SweepSettings = {
    registry: CONFIG_PARTS.registry(env),
    sweep: CONFIG_PARTS.sweep(env),
    compliance: CONFIG_PARTS.compliance(env),
    status: CONFIG_PARTS.status(env),
    storage: CONFIG_PARTS.storage(env),
    host: CONFIG_PARTS.host(env),
  };
  const connection = storageConnection(env);
  return buildSweepEnvironment(
    settings,
    connection,
    new AuditLog(tableClient(connection, settings.storage.auditTable)),
    now,
  );
}

/** The sweep's share of the registry's ReadOps per minute: SWEEP_READ_BUDGET_PERCENT × SWEEP_REGISTRY_READ_OPS. */
export function readBudgetPerMinute(sweep: SweepConfig, compliance: ComplianceConfig): number {
  return Math.max(1, Math.floor((sweep.readBudgetPercent / 100) * compliance.registryReadOpsPerMinute));
}

/** A registry client of the run's own: its limiter is the read budget, its requests are counted for the report. */
export function budgetedRegistryClient(environment: SweepEnvironment): {
  acr: AcrClient;
  counter: RequestCounter;
  budgetPerMinute: number;
} {
  const counter = new RequestCounter();
  const budgetPerMinute = readBudgetPerMinute(environment.sweep, environment.compliance);
  const acr = createAcrClient(environment.registry, {
    requestsPerMinute: budgetPerMinute,
    pageSize: PAGE_SIZE,
    httpClient: counter.httpClient(),
  });
  return { acr, counter, budgetPerMinute };
}

/** The dependencies of one registry's run: its own budgeted, counted registry client and ARM reader. */
export function registryDeps(
  environment: SweepEnvironment,
  registry: LoginServer,
  pipelines: PipelineDirectory,
): RegistrySweepDeps {
  const { sweep, compliance } = environment;
  const { acr, counter, budgetPerMinute } = budgetedRegistryClient(environment);
  const index = environment.registry.allowedRegistries.indexOf(registry);
  const resourceId = index >= 0 ? compliance.registryResourceIds[index] : undefined;
  const management = new ManagementReader({
    credential: environment.credential,
    endpoint: compliance.armEndpoint,
    audience: compliance.armAudience,
    httpClient: counter.httpClient(),
  });
  return {
    registry,
    acr,
    counter,
    budgetPerMinute,
    pipelines,
    passes: environment.passes,
    reports: environment.reports,
    audit: environment.audit,
    readManagement: () => management.read(resourceId),
    appHostname: environment.appHostname,
    rules: {
      staleAfterMs: sweep.staleAfter.ms,
      staleAfterIso: sweep.staleAfter.iso,
      maxQuarantineAgeMs: sweep.maxQuarantineAge.ms,
      maxQuarantineAgeIso: sweep.maxQuarantineAge.iso,
      expireInQuarantine: compliance.expireInQuarantine,
    },
    readBudgetPercent: sweep.readBudgetPercent,
    concurrency: compliance.concurrency,
    statusBaseUrl: environment.statusBaseUrl,
    now: environment.now,
  };
}

/** The dependencies of one registry's backfill run. */
export function backfillDeps(
  environment: SweepEnvironment,
  registry: LoginServer,
  shadow: ShadowEvaluations,
): BackfillDeps {
  return {
    registry,
    ...budgetedRegistryClient(environment),
    passes: environment.passes,
    concurrency: environment.compliance.concurrency,
    shadow,
    now: environment.now,
  };
}
