import { DEFAULTS } from "./defaults.js";
import { type Env, Reader } from "./reader.js";

/** The app's storage account, from the Functions host's own AzureWebJobsStorage settings. */

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
