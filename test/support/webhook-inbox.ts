import { TableClient } from "@azure/data-tables";
import { isRestError } from "@azure/core-rest-pipeline";

/** The webhook inbox's table on a local stack (`<task hub>WebhookInbox`; the stack's task hub is QuarantineGate). */
export function webhookInboxTable(stack: { azurite: { connectionString: string } }): TableClient {
  return TableClient.fromConnectionString(stack.azurite.connectionString, "QuarantineGateWebhookInbox", {
    allowInsecureConnection: true,
  });
}

/** The instance ids (row keys) waiting in the inbox now. */
export async function inboxRows(stack: { azurite: { connectionString: string } }): Promise<string[]> {
  const rows: string[] = [];
  try {
    for await (const entity of webhookInboxTable(stack).listEntities()) rows.push(String(entity.rowKey));
  } catch (error) {
    if (isRestError(error) && error.statusCode === 404) return [];
    throw error;
  }
  return rows;
}

/** Waits until the webhook inbox is empty: every delivery so far has been drained into a pipeline start. */
export async function inboxDrained(
  stack: { azurite: { connectionString: string } },
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let left: string[] = [];
  while (Date.now() < deadline) {
    left = await inboxRows(stack);
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the webhook inbox still holds ${left.length} deliveries: ${left.slice(0, 5).join(", ")}`);
}
