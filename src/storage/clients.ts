import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { TableClient } from "@azure/data-tables";
import { QueueClient } from "@azure/storage-queue";

type Env = Readonly<Record<string, string | undefined>>;

/** How the app reaches its storage account: a connection string (Azurite locally) or its managed identity (Azure). */
export type StorageConnection =
  | { kind: "connectionString"; connectionString: string }
  | { kind: "identity"; accountName: string; credential: TokenCredential };

export class StorageSettingsError extends Error {
  override readonly name = "StorageSettingsError";
}

/**
 * Reads the Functions host's own storage setting, as the host does: `AzureWebJobsStorage` as a connection string, or
 * the identity-based form `AzureWebJobsStorage__accountName` (+ `__clientId` for a user-assigned identity).
 */
export function storageConnection(env: Env = process.env): StorageConnection {
  const connectionString = env.AzureWebJobsStorage;
  if (connectionString) return { kind: "connectionString", connectionString };
  const accountName = env.AzureWebJobsStorage__accountName;
  if (accountName) {
    const clientId = env.AzureWebJobsStorage__clientId;
    return {
      kind: "identity",
      accountName,
      credential: new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
    };
  }
  throw new StorageSettingsError(
    "storage is not configured: set AzureWebJobsStorage or AzureWebJobsStorage__accountName",
  );
}

export function tableClient(connection: StorageConnection, table: string): TableClient {
  if (connection.kind === "connectionString") {
    // Azurite speaks plain HTTP; the SDK only allows that when told to.
    return TableClient.fromConnectionString(connection.connectionString, table, {
      allowInsecureConnection: /^.*(UseDevelopmentStorage=true|http:\/\/)/i.test(connection.connectionString),
    });
  }
  return new TableClient(`https://${connection.accountName}.table.core.windows.net`, table, connection.credential);
}

/** A queue of the app's storage account (created on first use by the caller). */
export function queueClient(connection: StorageConnection, queue: string): QueueClient {
  if (connection.kind === "connectionString") return new QueueClient(connection.connectionString, queue);
  return new QueueClient(`https://${connection.accountName}.queue.core.windows.net/${queue}`, connection.credential);
}
