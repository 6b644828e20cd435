import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";
import { storageConfig, type StorageEndpoints } from "../config.js";
import { GateError } from "../errors/gate-error.js";

type Env = Readonly<Record<string, string | undefined>>;

/** How the app reaches its storage account: a connection string (Azurite locally) or its managed identity (Azure). */
export type StorageConnection =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; endpoints: StorageEndpoints; credential: TokenCredential };

/** No usable AzureWebJobsStorage settings: the app cannot reach its storage account. */
export class StorageSettingsError extends GateError {
  static override readonly code = "ERR_STORAGE_SETTINGS";
  override readonly code = "ERR_STORAGE_SETTINGS";
}

/**
 * The app's storage account, from the Functions host's own settings as src/config.ts reads them (storageConfig): the
 * service endpoints come from the settings, so they are right in every cloud; no DNS suffix is assumed here.
 */
export function storageConnection(env: Env = process.env): StorageConnection {
  const account = storageConfig(env).account;
  if (!account) {
    throw new StorageSettingsError(
      "storage is not configured: set AzureWebJobsStorage, or AzureWebJobsStorage__blobServiceUri, __queueServiceUri and __tableServiceUri (or AzureWebJobsStorage__accountName)",
    );
  }
  if (account.kind === "connectionString") return account;
  return {
    kind: "identity",
    endpoints: account.endpoints,
    credential: new DefaultAzureCredential(account.clientId ? { managedIdentityClientId: account.clientId } : {}),
  };
}

export function tableClient(connection: StorageConnection, table: string): TableClient {
  if (connection.kind === "connectionString") {
    // Azurite speaks plain HTTP; the SDK only allows that when told to.
    return TableClient.fromConnectionString(connection.connectionString, table, {
      allowInsecureConnection: /^.*(UseDevelopmentStorage=true|http:\/\/)/i.test(connection.connectionString),
    });
  }
  return new TableClient(connection.endpoints.table, table, connection.credential);
}

/** A queue of the app's storage account (created on first use by the caller). */
export function queueClient(connection: StorageConnection, queue: string): QueueClient {
  if (connection.kind === "connectionString") return new QueueClient(connection.connectionString, queue);
  return new QueueClient(`${connection.endpoints.queue}/${encodeURIComponent(queue)}`, connection.credential);
}
