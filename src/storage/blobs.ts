import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import type { StorageConnection } from "./clients.js";

/** A blob container on the app's storage account: by connection string (Azurite locally) or by managed identity. */
export function blobContainerClient(connection: StorageConnection, container: string): ContainerClient {
  if (connection.kind === "connectionString") {
    return BlobServiceClient.fromConnectionString(connection.connectionString).getContainerClient(container);
  }
  return new BlobServiceClient(connection.endpoints.blob, connection.credential).getContainerClient(container);
}
