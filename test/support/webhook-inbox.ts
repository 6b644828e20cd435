import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";

/** The webhook inbox's container on a local stack (`<task hub, lower case>-webhook-inbox`; the hub is QuarantineGate). */
export function webhookInboxContainer(stack: { azurite: { connectionString: string } }): ContainerClient {
  return BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(
    "quarantinegate-webhook-inbox",
  );
}

/** The batches (blob names) waiting in the inbox now. */
export async function inboxBatches(stack: { azurite: { connectionString: string } }): Promise<string[]> {
  const container = webhookInboxContainer(stack);
  if (!(await container.exists())) return [];
  const names: string[] = [];
  for await (const blob of container.listBlobsFlat()) names.push(blob.name);
  return names;
}

/** Waits until the webhook inbox is empty: every delivery so far has been drained into a pipeline start. */
export async function inboxDrained(
  stack: { azurite: { connectionString: string } },
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left: string[] = [];
  while (Date.now() < deadline) {
    left = await inboxBatches(stack);
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the webhook inbox still holds ${left.length} batches: ${left.slice(0, 5).join(", ")}`);
}
