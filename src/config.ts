import { type ApprovalConfig, approvalConfig } from "./config/approval.js";
import { type HostConfig, type StatusConfig, hostConfig, statusConfig } from "./config/host.js";
import { type PolicyConfig, policyConfig } from "./config/policy.js";
import { ConfigError, type Env } from "./config/reader.js";
import { type GateConfig, type RegistryConfig, gateConfig, registryConfig } from "./config/registry.js";
import { type ScannerConfig, scannerConfig } from "./config/scanner.js";
import { type StorageConfig, storageConfig } from "./config/storage.js";
import { type ComplianceConfig, type SweepConfig, complianceConfig, sweepConfig } from "./config/sweep.js";

/**
 * Every app setting, read once from the environment, validated and typed. Each part can be read on its own
 * (`registryConfig(env)`, `sweepConfig(env)`, …, one file per part in src/config/) so a function only fails for
 * settings it uses; `loadConfig` reads them all and reports every problem at once. Defaults match infra/main.bicep.
 */

export { type Env, ConfigError, type ConfigDuration } from "./config/reader.js";
export { DEFAULTS } from "./config/defaults.js";
export { type RegistryConfig, type GateConfig, registryConfig, gateConfig } from "./config/registry.js";
export { type ScannerConfig, scannerConfig } from "./config/scanner.js";
export { type ApprovalConfig, ENTRA_GLOBAL_AUTHORITY_HOST, approvalConfig } from "./config/approval.js";
export { type PolicyConfig, policyConfig } from "./config/policy.js";
export {
  type SweepConfig,
  type ComplianceConfig,
  sweepConfig,
  REGISTRY_RESOURCE_ID,
  complianceConfig,
  sweepTimerSchedule,
} from "./config/sweep.js";
export {
  type StorageEndpoints,
  type StorageAccountConfig,
  type StorageConfig,
  storageConfig,
} from "./config/storage.js";
export { type StatusConfig, type HostConfig, statusConfig, hostConfig } from "./config/host.js";

export interface AppConfig {
  registry: RegistryConfig;
  gate: GateConfig;
  scanner: ScannerConfig;
  approval: ApprovalConfig;
  policy: PolicyConfig;
  sweep: SweepConfig;
  compliance: ComplianceConfig;
  storage: StorageConfig;
  status: StatusConfig;
  host: HostConfig;
}

/** Each part's reader, by its key in AppConfig: what the composition root reads, once each, on first use. */
export const CONFIG_PARTS: { readonly [K in keyof AppConfig]: (env: Env) => AppConfig[K] } = {
  registry: registryConfig,
  gate: gateConfig,
  scanner: scannerConfig,
  approval: approvalConfig,
  policy: policyConfig,
  sweep: sweepConfig,
  compliance: complianceConfig,
  storage: storageConfig,
  status: statusConfig,
  host: hostConfig,
};

/** All settings; a ConfigError lists every problem of every part. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const config: Partial<Record<keyof AppConfig, unknown>> = {};
  for (const [key, read] of Object.entries(CONFIG_PARTS) as [keyof AppConfig, (env: Env) => unknown][]) {
    try {
      config[key] = read(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config) as AppConfig;
}
