import { CronExpressionParser } from "cron-parser";
import { Duration } from "luxon";
import { loginServer, type LoginServer } from "./acr/names.js";
import { GateError } from "./errors/gate-error.js";

/**
 * Every app setting, read once from the environment, validated and typed. Each part can be read on its own
 * (`registryConfig(env)`, `sweepConfig(env)`, …) so a function only fails for settings it uses; `loadConfig` reads
 * them all and reports every problem at once. Defaults match infra/main.bicep.
 */

/** The environment settings are read from (process.env, or a test's own). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Settings that cannot be used; `problems` names each setting and what is wrong with it. */
export class ConfigError extends GateError {
  static override readonly code = "ERR_CONFIG";
  override readonly code = "ERR_CONFIG";

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
  /**
   * APPROVER_TENANT_ID: the Entra tenant of the approver API registration; its `tid` and both issuer forms are
   * pinned to it. With APPROVER_CLIENT_ID unset, approvals are closed (no token can be accepted).
   */
  tenantId: string | undefined;
  /**
   * APPROVER_CLIENT_ID: the application (client) ID of the approver API registration — the `aud` of every v2.0
   * token and a possible `aud` of v1.0 tokens (access-token-claims-reference.md, `aud`).
   */
  clientId: string | undefined;
  /** APPROVER_APP_ID_URI: its Application ID URI (e.g. `api://<clientId>`), the usual `aud` of v1.0 tokens. */
  appIdUri: string | undefined;
  /**
   * APPROVER_AUTHORITY_HOST: where the tenant's OpenID metadata (issuers, keys) is read, default Entra ID's global
   * `https://login.microsoftonline.com` (national clouds: `https://login.microsoftonline.us`,
   * `https://login.partner.microsoftonline.cn`, entra-docs authentication-national-cloud.md). Locally the identity
   * endpoint: plain http is accepted only for a loopback host. No trailing slash.
   */
  authorityHost: string;
  /** APPROVAL_TIMEOUT_OUTCOME: what a missed approval deadline turns into — Failed (default) or stay-quarantined. */
  onTimeout: "Failed" | "stay-quarantined";
}

export interface PolicyConfig {
  /** POLICY_DOCUMENT parsed as JSON; its schema is checked by the policy module (parsePolicy). */
  document: Record<string, unknown>;
  /**
   * VEX_CONTAINER: a blob container of OpenVEX documents on the app's storage account, read with the app's identity
   * (docs/policy.md, "VEX from a blob container"); unset = only the policy document's own `vex`.
   */
  vexContainer: string | undefined;
  /**
   * VEX_REFRESH (ISO 8601, default PT1M, at most PT1H): how long the container's listing is reused before it is read
   * again, so how soon a document added or changed applies.
   */
  vexRefreshMs: number;
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

/** The three data-plane services of the app's storage account, each an https URI without a trailing slash. */
export interface StorageEndpoints {
  blob: string;
  queue: string;
  table: string;
}

/**
 * How the app reaches its storage account, from the Functions host's own `AzureWebJobsStorage` settings: a connection
 * string (Azurite locally), or the identity-based form with the service URIs (any cloud) or an account name (the public
 * cloud's `core.windows.net`, or `AzureWebJobsStorage__endpointSuffix`).
 */
export type StorageAccountConfig =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; endpoints: StorageEndpoints; clientId: string | undefined };

export interface StorageConfig {
  auditTable: string;
  reportContainer: string;
  /** Undefined when no AzureWebJobsStorage setting is present at all (the storage clients then refuse to start). */
  account: StorageAccountConfig | undefined;
}

export interface StatusConfig {
  /** STATUS_BASE_URL without a trailing slash; undefined when not set. */
  baseUrl: string | undefined;
}

export interface HostConfig {
  /** WEBSITE_HOSTNAME, set by App Service: this app's host, where the registry's quarantine webhook must deliver. */
  appHostname: string | undefined;
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
  host: HostConfig;
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
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url && schemes.includes(url.protocol.replace(/:$/, "")) && !url.username && !url.password) return url;
    this.problems.push(
      `${name} must be an absolute ${schemes.join(" or ")} URL without credentials, got ${JSON.stringify(value.slice(0, 200))}`,
    );
    return undefined;
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

/** APPROVER_AUTHORITY_HOST's default: Entra ID's global authority (entra-docs authentication-national-cloud.md). */
export const ENTRA_GLOBAL_AUTHORITY_HOST = "https://login.microsoftonline.com";

export function approvalConfig(env: Env = process.env): ApprovalConfig {
  const r = new Reader(env);
  const deadline = r.duration("APPROVAL_DEADLINE", DEFAULTS.APPROVAL_DEADLINE);
  const tenantId = r.optionalGuid("APPROVER_TENANT_ID")?.toLowerCase();
  const clientId = r.optionalGuid("APPROVER_CLIENT_ID")?.toLowerCase();
  const appIdUri = r.raw("APPROVER_APP_ID_URI");
  if (appIdUri !== undefined) {
    // An identifier URI is an absolute URI such as api://<appId> or https://<verified domain>/…
    // (entra-docs identifier-uri-restrictions.md); a bare GUID is the client ID, which has its own setting.
    const absolute = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(appIdUri);
    if (!absolute)
      r.problems.push(
        `APPROVER_APP_ID_URI must be an absolute URI such as api://<client id>, got ${JSON.stringify(appIdUri.slice(0, 200))}`,
      );
  }
  const authority = r.url(
    "APPROVER_AUTHORITY_HOST",
    ["https", "http"],
    r.raw("APPROVER_AUTHORITY_HOST", ENTRA_GLOBAL_AUTHORITY_HOST),
  );
  const loopback = (host: string) => host === "127.0.0.1" || host === "[::1]" || host === "localhost";
  if (authority && authority.protocol === "http:" && !loopback(authority.hostname))
    r.problems.push(
      `APPROVER_AUTHORITY_HOST must use https; plain http is accepted only for a loopback host (the local identity endpoint), got ${authority.origin}`,
    );
  if (authority && (authority.pathname !== "/" || authority.search !== "" || authority.hash !== ""))
    r.problems.push(
      `APPROVER_AUTHORITY_HOST must be a scheme and host only (e.g. ${ENTRA_GLOBAL_AUTHORITY_HOST}), got ${JSON.stringify(authority.href.slice(0, 200))}`,
    );
  const onTimeout = r.raw("APPROVAL_TIMEOUT_OUTCOME", "Failed");
  if (onTimeout !== "Failed" && onTimeout !== "stay-quarantined")
    r.problems.push(`APPROVAL_TIMEOUT_OUTCOME must be Failed or stay-quarantined, got "${onTimeout}"`);
  return r.done({
    deadline,
    tenantId,
    clientId,
    appIdUri,
    authorityHost: authority?.origin ?? ENTRA_GLOBAL_AUTHORITY_HOST,
    onTimeout: onTimeout === "stay-quarantined" ? "stay-quarantined" : "Failed",
  });
}

export function policyConfig(env: Env = process.env): PolicyConfig {
  const r = new Reader(env);
  const text = r.required("POLICY_DOCUMENT");
  let document: Record<string, unknown> = {};
  if (text !== "") {
    const parsed = parseJsonObject(text);
    if (parsed) document = parsed;
    else r.problems.push("POLICY_DOCUMENT must be a JSON object (the policy document itself)");
  }
  const vexContainer = r.raw("VEX_CONTAINER");
  if (vexContainer !== undefined && !/^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/.test(vexContainer))
    r.problems.push(
      `VEX_CONTAINER must be a blob container name (3-63 lowercase letters, digits, single hyphens), got ${JSON.stringify(vexContainer)}`,
    );
  const vexRefresh = r.duration("VEX_REFRESH", "PT1M");
  if (vexRefresh.ms > 3_600_000) r.problems.push(`VEX_REFRESH must be at most PT1H, got ${vexRefresh.iso}`);
  return r.done({ document, vexContainer, vexRefreshMs: vexRefresh.ms });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
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

/** The public cloud's storage DNS suffix: what `AzureWebJobsStorage__accountName` alone means to the Functions host. */
const PUBLIC_CLOUD_STORAGE_SUFFIX = "core.windows.net";
const STORAGE_SERVICES = ["blob", "queue", "table"] as const;
const STORAGE_ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const DNS_SUFFIX = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * Resolves the storage service endpoints the way the Functions host resolves an identity-based `AzureWebJobsStorage`
 * connection ("Connecting to host storage with an identity",
 * https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity):
 * `__blobServiceUri`, `__queueServiceUri` and `__tableServiceUri` name each service; `__serviceUri` is an alias of the
 * blob URI only ("The URI itself can only designate the blob service", the Functions blob binding's identity-based
 * connections); `__accountName` stands for `https://<name>.<service>.core.windows.net`, the public cloud only, unless
 * `__endpointSuffix` gives another suffix (the suffix the WebJobs Event Hubs extension 6.5.4 also honours for
 * sovereign clouds). An explicit URI wins over the account name. Every service must resolve: a half-configured account
 * is a ConfigError, never a guess.
 */
function storageEndpoints(r: Reader): StorageEndpoints | undefined {
  const named = (name: string, value: string | undefined) => (value === undefined ? undefined : { name, value });
  const explicit = {
    blob:
      named("AzureWebJobsStorage__blobServiceUri", r.raw("AzureWebJobsStorage__blobServiceUri")) ??
      named("AzureWebJobsStorage__serviceUri", r.raw("AzureWebJobsStorage__serviceUri")),
    queue: named("AzureWebJobsStorage__queueServiceUri", r.raw("AzureWebJobsStorage__queueServiceUri")),
    table: named("AzureWebJobsStorage__tableServiceUri", r.raw("AzureWebJobsStorage__tableServiceUri")),
  };
  const accountName = r.raw("AzureWebJobsStorage__accountName");
  if (accountName === undefined && STORAGE_SERVICES.every((service) => explicit[service] === undefined))
    return undefined;
  const suffix = r.raw("AzureWebJobsStorage__endpointSuffix", PUBLIC_CLOUD_STORAGE_SUFFIX)!.replace(/^\.+/, "");
  if (accountName !== undefined && !STORAGE_ACCOUNT_NAME.test(accountName))
    r.problems.push(
      `AzureWebJobsStorage__accountName must be a storage account name (3-24 lowercase letters and digits), got ${JSON.stringify(accountName.slice(0, 100))}`,
    );
  if (!DNS_SUFFIX.test(suffix))
    r.problems.push(
      `AzureWebJobsStorage__endpointSuffix must be a DNS suffix such as core.usgovcloudapi.net, got ${JSON.stringify(suffix.slice(0, 100))}`,
    );
  const endpoints: Partial<StorageEndpoints> = {};
  for (const service of STORAGE_SERVICES) {
    const setting = explicit[service];
    if (setting && /[?#]/.test(setting.value)) {
      // A query string on a storage URI is how a SAS token travels: a secret, and not an identity. Never echoed.
      r.problems.push(`${setting.name} must be the service URI alone, without a query string or fragment`);
    } else if (setting) {
      const url = r.url(setting.name, ["https"], setting.value);
      if (url) endpoints[service] = url.href.replace(/\/+$/, "");
    } else if (accountName !== undefined) {
      endpoints[service] = `https://${accountName}.${service}.${suffix}`;
    } else {
      r.problems.push(
        `AzureWebJobsStorage__${service}ServiceUri (or AzureWebJobsStorage__accountName) is required for the ${service} service`,
      );
    }
  }
  return endpoints as StorageEndpoints;
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
  // The host's own setting names (Functions "AzureWebJobsStorage"): the app uses the account the host uses.
  const connectionString = r.raw("AzureWebJobsStorage");
  let account: StorageAccountConfig | undefined;
  if (connectionString !== undefined) {
    account = { kind: "connectionString", connectionString };
  } else {
    const endpoints = storageEndpoints(r);
    if (endpoints) account = { kind: "identity", endpoints, clientId: r.optionalGuid("AzureWebJobsStorage__clientId") };
  }
  return r.done({ auditTable, reportContainer, account });
}

export function statusConfig(env: Env = process.env): StatusConfig {
  const r = new Reader(env);
  const url = r.url("STATUS_BASE_URL", ["https", "http"], r.raw("STATUS_BASE_URL"));
  return r.done({ baseUrl: url ? url.href.replace(/\/+$/, "") : undefined });
}

export function hostConfig(env: Env = process.env): HostConfig {
  const r = new Reader(env);
  return r.done({ appHostname: r.raw("WEBSITE_HOSTNAME") });
}

/**
 * The compliance sweep timer's schedule as the trigger is registered: `%SWEEP_SCHEDULE%`, which the host resolves
 * from the app settings, when the setting exists (the host fails to start when a %name% setting is missing), and the
 * documented default otherwise. Its value is validated by sweepConfig when the sweep runs.
 */
export function sweepTimerSchedule(env: Env = process.env): string {
  return new Reader(env).raw("SWEEP_SCHEDULE") === undefined ? DEFAULTS.SWEEP_SCHEDULE : "%SWEEP_SCHEDULE%";
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
