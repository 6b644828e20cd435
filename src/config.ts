import { CronExpressionParser } from "cron-parser";
import { Duration } from "luxon";
import { loginServer, type LoginServer } from "./acr/names.js";

/**
 * Every app setting, read once from the environment, validated and typed. Each part can be read on its own
 * (`registryConfig(env)`, `sweepConfig(env)`, …) so a function only fails for settings it uses; `loadConfig` reads
 * them all and reports every problem at once. Defaults match infra/main.bicep.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Settings that cannot be used; `problems` names each setting and what is wrong with it. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(readonly problems: readonly string[]) {
    super(`invalid app settings:\n- ${problems.join("\n- ")}`);
  }
}

/** An ISO 8601 duration as configured, and its length. */
export interface ConfigDuration {
  iso: string;
  ms: number;
}

export interface RegistryConfig {
  /** GATE_REGISTRIES: the only registries the app will talk to. */
  allowedRegistries: LoginServer[];
  /**
   * ACR_TOKEN_AUDIENCE: the Entra ID resource whose token is exchanged at /oauth2/exchange (see registryConfig for the
   * documented values per cloud).
   */
  tokenAudience: string;
  /** AZURE_CLIENT_ID: the user-assigned managed identity; undefined means system-assigned. */
  managedIdentityClientId: string | undefined;
}

export interface GateConfig {
  /** GATE_MODE: enforce sets quarantine state; shadow only evaluates and reports. */
  mode: "enforce" | "shadow";
  /** DURABLE_TASK_HUB */
  taskHub: string;
}

export type ScannerConfig =
  | { kind: "harbor"; harborUrl: URL; deadline: ConfigDuration }
  | { kind: "queue"; queueName: string; deadline: ConfigDuration };

export interface ApprovalConfig {
  /** APPROVAL_DEADLINE */
  deadline: ConfigDuration;
  /** APPROVER_TENANT_ID; undefined leaves the tenant to the token validator's default. */
  tenantId: string | undefined;
  /** APPROVER_AUDIENCE; undefined means approvals are closed (no token can be accepted). */
  audience: string | undefined;
  /**
   * Who signs approvers' tokens: APPROVER_ISSUER when set (the local identity endpoint), otherwise Entra ID's v2
   * issuer for APPROVER_TENANT_ID; undefined when neither is known (approvals closed).
   */
  issuer: string | undefined;
  /** APPROVAL_TIMEOUT_OUTCOME: what a missed approval deadline turns into — Failed (default) or stay-quarantined. */
  onTimeout: "Failed" | "stay-quarantined";
}

export interface PolicyConfig {
  /** POLICY_DOCUMENT parsed as JSON; its schema is checked by the policy module (parsePolicy). */
  document: Record<string, unknown>;
}

export interface SweepConfig {
  /** SWEEP_SCHEDULE: six-field NCRONTAB. */
  schedule: string;
  staleAfter: ConfigDuration;
  maxQuarantineAge: ConfigDuration;
  /** SWEEP_READ_BUDGET_PERCENT: share of the registry's ReadOps the sweep may use, 1–100. */
  readBudgetPercent: number;
}

/** The compliance sweep's settings beyond SweepConfig: expiry switch, read budget base, management plane (ARM). */
export interface ComplianceConfig {
  /** EXPIRE_IN_QUARANTINE: whether the sweep writes Failed for images pending longer than MAX_QUARANTINE_AGE (default false). */
  expireInQuarantine: boolean;
  /** SWEEP_REGISTRY_READ_OPS: the registry's ReadOps per minute that SWEEP_READ_BUDGET_PERCENT is a share of (Premium: 10,000). */
  registryReadOpsPerMinute: number;
  /** SWEEP_CONCURRENCY: repositories the sweep reads at once per registry, 1–32. */
  concurrency: number;
  /** ARM_ENDPOINT: the management plane, without a trailing slash. */
  armEndpoint: string;
  /** ARM_AUDIENCE: the Entra ID audience of management tokens. */
  armAudience: string;
  /** GATE_REGISTRY_RESOURCE_IDS: ARM ids in the order of GATE_REGISTRIES; empty when not set (management checks not configured). */
  registryResourceIds: string[];
}

export interface StorageConfig {
  auditTable: string;
  reportContainer: string;
}

export interface StatusConfig {
  /** STATUS_BASE_URL without a trailing slash; undefined when not set. */
  baseUrl: string | undefined;
}

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
}

export const DEFAULTS = {
  DURABLE_TASK_HUB: "QuarantineGate",
  GATE_MODE: "enforce",
  ACR_TOKEN_AUDIENCE: "https://containerregistry.azure.net",
  SCANNER_KIND: "queue",
  SCAN_QUEUE_NAME: "scan-requests",
  SCAN_DEADLINE: "PT30M",
  APPROVAL_DEADLINE: "P3D",
  SWEEP_SCHEDULE: "0 */30 * * * *",
  STALE_AFTER: "PT6H",
  MAX_QUARANTINE_AGE: "P14D",
  SWEEP_READ_BUDGET_PERCENT: "20",
  AUDIT_TABLE: "GateAudit",
  REPORT_CONTAINER: "compliance-reports",
  EXPIRE_IN_QUARANTINE: "false",
  SWEEP_REGISTRY_READ_OPS: "10000",
  SWEEP_CONCURRENCY: "4",
  ARM_ENDPOINT: "https://management.azure.com",
  ARM_AUDIENCE: "https://management.azure.com",
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads settings of one part, collecting problems instead of stopping at the first. */
class Reader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The trimmed value, the default when unset or blank, or undefined. */
  raw(name: string, fallback?: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? fallback : value;
  }

  required(name: string, fallback?: string): string {
    const value = this.raw(name, fallback);
    if (value === undefined) this.problems.push(`${name} is required`);
    return value ?? "";
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const value = this.required(name, fallback);
    if (value !== "" && !(allowed as readonly string[]).includes(value))
      this.problems.push(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  matching(name: string, pattern: RegExp, rule: string, fallback?: string): string {
    const value = this.required(name, fallback);
    if (value !== "" && !pattern.test(value)) this.problems.push(`${name} ${rule}, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalGuid(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && !GUID.test(value))
      this.problems.push(`${name} must be a GUID, got ${JSON.stringify(value)}`);
    return value;
  }

  /** An absolute URL of one of the schemes, normalised without a trailing slash. */
  url(name: string, schemes: readonly string[], value: string | undefined): URL | undefined {
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (!schemes.includes(url.protocol.replace(/:$/, ""))) throw new Error("scheme");
      if (url.username || url.password) throw new Error("credentials");
      return url;
    } catch {
      this.problems.push(
        `${name} must be an absolute ${schemes.join(" or ")} URL without credentials, got ${JSON.stringify(value.slice(0, 200))}`,
      );
      return undefined;
    }
  }

  /** A positive ISO 8601 duration in weeks, days, hours, minutes, seconds (years and months have no fixed length). */
  duration(name: string, fallback: string): ConfigDuration {
    const iso = this.required(name, fallback);
    const parsed = Duration.fromISO(iso);
    const units = parsed.isValid ? parsed.toObject() : {};
    if (!parsed.isValid)
      this.problems.push(`${name} must be an ISO 8601 duration such as PT30M or P3D, got ${JSON.stringify(iso)}`);
    else if (units.years !== undefined || units.months !== undefined)
      this.problems.push(`${name} must not use years or months (their length varies); use days or weeks, got ${iso}`);
    else if (!(parsed.as("milliseconds") > 0)) this.problems.push(`${name} must be longer than zero, got ${iso}`);
    return { iso, ms: parsed.isValid ? parsed.as("milliseconds") : Number.NaN };
  }

  done<T>(value: T): T {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return value;
  }
}

export function registryConfig(env: Env = process.env): RegistryConfig {
  const r = new Reader(env);
  const list = r.required("GATE_REGISTRIES");
  const allowedRegistries: LoginServer[] = [];
  for (const entry of list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      allowedRegistries.push(loginServer(entry));
    } catch {
      r.problems.push(
        `GATE_REGISTRIES: ${JSON.stringify(entry.slice(0, 100))} is not a login server name (e.g. myregistry.azurecr.io, no scheme or path)`,
      );
    }
  }
  if (list !== "" && allowedRegistries.length === 0 && r.problems.length === 0)
    r.problems.push("GATE_REGISTRIES names no registry");
  // The ACR audience, https://containerregistry.azure.net, is the same in every cloud: azure-cli 2.45 asks for
  // "https://{ACR_AUDIENCE_RESOURCE_NAME}.azure.net" whatever cloud is active (acr/_docker_utils.py, _constants.py:
  // "containerregistry"), and azure-containerregistry (Python) 1.1.0b4 made it the default as the audience "which works
  // for all clouds" (acr-protocol.md §1.8, S8). Where a registry accepts ARM-audience tokens
  // (policies.azureADAuthenticationAsArmPolicy enabled), the cloud's ARM audience also works: Azure Government
  // https://management.usgovcloudapi.net, Azure China https://management.chinacloudapi.cn (KnownContainerRegistryAudience,
  // Azure/azure-sdk-for-js @ b4e71d37: sdk/containerregistry/container-registry/src/models.ts). Documented in
  // docs/registry-client.md.
  const audience = r.required("ACR_TOKEN_AUDIENCE", DEFAULTS.ACR_TOKEN_AUDIENCE);
  r.url("ACR_TOKEN_AUDIENCE", ["https"], audience);
  return r.done({
    allowedRegistries: [...new Set(allowedRegistries)],
    tokenAudience: audience,
    managedIdentityClientId: r.optionalGuid("AZURE_CLIENT_ID"),
  });
}

export function gateConfig(env: Env = process.env): GateConfig {
  const r = new Reader(env);
  const mode = r.oneOf("GATE_MODE", ["enforce", "shadow"] as const, DEFAULTS.GATE_MODE);
  const taskHub = r.matching(
    "DURABLE_TASK_HUB",
    /^[A-Za-z][A-Za-z0-9]{2,44}$/,
    "must be 3-45 letters and digits, starting with a letter",
    DEFAULTS.DURABLE_TASK_HUB,
  );
  return r.done({ mode, taskHub });
}

export function scannerConfig(env: Env = process.env): ScannerConfig {
  const r = new Reader(env);
  const kind = r.oneOf("SCANNER_KIND", ["harbor", "queue"] as const, DEFAULTS.SCANNER_KIND);
  const deadline = r.duration("SCAN_DEADLINE", DEFAULTS.SCAN_DEADLINE);
  if (kind === "harbor") {
    const harborUrl = r.url("HARBOR_SCANNER_URL", ["https", "http"], r.required("HARBOR_SCANNER_URL") || undefined);
    return r.done({ kind, harborUrl: harborUrl as URL, deadline });
  }
  // Azure Storage queue names: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
  const queueName = r.matching(
    "SCAN_QUEUE_NAME",
    /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
    "must be a storage queue name (3-63 lowercase letters, digits, single hyphens)",
    DEFAULTS.SCAN_QUEUE_NAME,
  );
  return r.done({ kind, queueName, deadline });
}

export function approvalConfig(env: Env = process.env): ApprovalConfig {
  const r = new Reader(env);
  const deadline = r.duration("APPROVAL_DEADLINE", DEFAULTS.APPROVAL_DEADLINE);
  const tenantId = r.optionalGuid("APPROVER_TENANT_ID");
  const audience = r.raw("APPROVER_AUDIENCE");
  if (audience !== undefined && /\s/.test(audience))
    r.problems.push("APPROVER_AUDIENCE must be an application ID URI or client ID without spaces");
  const explicitIssuer = r.url("APPROVER_ISSUER", ["https", "http"], r.raw("APPROVER_ISSUER"));
  const issuer =
    explicitIssuer?.toString().replace(/\/$/, "") ??
    (tenantId ? `https://login.microsoftonline.com/${tenantId}/v2.0` : undefined);
  const onTimeout = r.raw("APPROVAL_TIMEOUT_OUTCOME", "Failed");
  if (onTimeout !== "Failed" && onTimeout !== "stay-quarantined")
    r.problems.push(`APPROVAL_TIMEOUT_OUTCOME must be Failed or stay-quarantined, got "${onTimeout}"`);
  return r.done({
    deadline,
    tenantId,
    audience,
    issuer,
    onTimeout: onTimeout === "stay-quarantined" ? "stay-quarantined" : "Failed",
  });
}

export function policyConfig(env: Env = process.env): PolicyConfig {
  const r = new Reader(env);
  const text = r.required("POLICY_DOCUMENT");
  let document: Record<string, unknown> = {};
  if (text !== "") {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
      document = parsed as Record<string, unknown>;
    } catch {
      r.problems.push("POLICY_DOCUMENT must be a JSON object (the policy document itself)");
    }
  }
  return r.done({ document });
}

export function sweepConfig(env: Env = process.env): SweepConfig {
  const r = new Reader(env);
  const schedule = r.required("SWEEP_SCHEDULE", DEFAULTS.SWEEP_SCHEDULE);
  if (schedule.split(/\s+/).length !== 6) {
    r.problems.push(
      `SWEEP_SCHEDULE must be a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}), got ${JSON.stringify(schedule)}`,
    );
  } else {
    try {
      CronExpressionParser.parse(schedule);
    } catch (error) {
      r.problems.push(
        `SWEEP_SCHEDULE ${JSON.stringify(schedule)} is not a valid NCRONTAB expression: ${(error as Error).message}`,
      );
    }
  }
  const staleAfter = r.duration("STALE_AFTER", DEFAULTS.STALE_AFTER);
  const maxQuarantineAge = r.duration("MAX_QUARANTINE_AGE", DEFAULTS.MAX_QUARANTINE_AGE);
  if (staleAfter.ms > maxQuarantineAge.ms)
    r.problems.push(
      `STALE_AFTER (${staleAfter.iso}) must not be longer than MAX_QUARANTINE_AGE (${maxQuarantineAge.iso})`,
    );
  const budget = r.matching(
    "SWEEP_READ_BUDGET_PERCENT",
    /^\d{1,3}$/,
    "must be a whole number from 1 to 100",
    DEFAULTS.SWEEP_READ_BUDGET_PERCENT,
  );
  const readBudgetPercent = Number(budget);
  if (/^\d{1,3}$/.test(budget) && (readBudgetPercent < 1 || readBudgetPercent > 100))
    r.problems.push(`SWEEP_READ_BUDGET_PERCENT must be from 1 to 100, got ${budget}`);
  return r.done({ schedule, staleAfter, maxQuarantineAge, readBudgetPercent });
}

/** /subscriptions/{guid}/resourceGroups/{name}/providers/Microsoft.ContainerRegistry/registries/{name}, case-insensitive like ARM. */
export const REGISTRY_RESOURCE_ID =
  /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.ContainerRegistry\/registries\/[a-z0-9]{5,50}$/i;

export function complianceConfig(env: Env = process.env): ComplianceConfig {
  const r = new Reader(env);
  const expire = r.oneOf("EXPIRE_IN_QUARANTINE", ["true", "false"] as const, DEFAULTS.EXPIRE_IN_QUARANTINE);
  const readOps = r.matching(
    "SWEEP_REGISTRY_READ_OPS",
    /^[1-9]\d{0,6}$/,
    "must be a whole number of ReadOps per minute (1-9999999)",
    DEFAULTS.SWEEP_REGISTRY_READ_OPS,
  );
  const concurrency = r.matching(
    "SWEEP_CONCURRENCY",
    /^([1-9]|[12]\d|3[0-2])$/,
    "must be a whole number from 1 to 32",
    DEFAULTS.SWEEP_CONCURRENCY,
  );
  const armEndpoint = r.required("ARM_ENDPOINT", DEFAULTS.ARM_ENDPOINT);
  r.url("ARM_ENDPOINT", ["https"], armEndpoint);
  const armAudience = r.required("ARM_AUDIENCE", DEFAULTS.ARM_AUDIENCE);
  r.url("ARM_AUDIENCE", ["https"], armAudience);
  const ids = (r.raw("GATE_REGISTRY_RESOURCE_IDS") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!REGISTRY_RESOURCE_ID.test(id))
      r.problems.push(
        `GATE_REGISTRY_RESOURCE_IDS: ${JSON.stringify(id.slice(0, 300))} is not a container registry resource id (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>)`,
      );
  }
  const registries = (r.raw("GATE_REGISTRIES") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length > 0 && ids.length !== registries.length) {
    r.problems.push(
      `GATE_REGISTRY_RESOURCE_IDS names ${ids.length} registries but GATE_REGISTRIES names ${registries.length}; give one resource id per registry, in the same order`,
    );
  }
  return r.done({
    expireInQuarantine: expire === "true",
    registryReadOpsPerMinute: Number(readOps),
    concurrency: Number(concurrency),
    armEndpoint: armEndpoint.replace(/\/+$/, ""),
    armAudience: armAudience.replace(/\/+$/, ""),
    registryResourceIds: ids,
  });
}

export function storageConfig(env: Env = process.env): StorageConfig {
  const r = new Reader(env);
  const auditTable = r.matching(
    "AUDIT_TABLE",
    /^[A-Za-z][A-Za-z0-9]{2,62}$/,
    "must be a table name (3-63 letters and digits, starting with a letter)",
    DEFAULTS.AUDIT_TABLE,
  );
  const reportContainer = r.matching(
    "REPORT_CONTAINER",
    /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/,
    "must be a blob container name (3-63 lowercase letters, digits, single hyphens)",
    DEFAULTS.REPORT_CONTAINER,
  );
  return r.done({ auditTable, reportContainer });
}

export function statusConfig(env: Env = process.env): StatusConfig {
  const r = new Reader(env);
  const url = r.url("STATUS_BASE_URL", ["https", "http"], r.raw("STATUS_BASE_URL"));
  return r.done({ baseUrl: url ? url.href.replace(/\/+$/, "") : undefined });
}

const PARTS = {
  registry: registryConfig,
  gate: gateConfig,
  scanner: scannerConfig,
  approval: approvalConfig,
  policy: policyConfig,
  sweep: sweepConfig,
  compliance: complianceConfig,
  storage: storageConfig,
  status: statusConfig,
} as const;

/** All settings; a ConfigError lists every problem of every part. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const config: Partial<Record<keyof AppConfig, unknown>> = {};
  for (const [key, read] of Object.entries(PARTS) as [keyof AppConfig, (env: Env) => unknown][]) {
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

let cached: AppConfig | undefined;

/** The process's settings, read and validated once on first use. */
export function appConfig(): AppConfig {
  cached ??= loadConfig(process.env);
  return cached;
}
