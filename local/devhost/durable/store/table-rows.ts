import { RestError, type TableClient, type TransactionAction } from "@azure/data-tables";

/** Max operations in one entity group transaction. */
const BATCH_LIMIT = 100;

export function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : (error as { statusCode?: number } | undefined)?.statusCode;
}

export async function ignore404(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }
}

/** Deletes rows of one partition in transactions of up to 100; rows that are already gone are fine. */
export async function deleteRows(table: TableClient, partition: string, rowKeys: string[]): Promise<void> {
  for (let i = 0; i < rowKeys.length; i += BATCH_LIMIT) {
    const keys = rowKeys.slice(i, i + BATCH_LIMIT);
    const actions = keys.map((rowKey): TransactionAction => ["delete", { partitionKey: partition, rowKey }]);
    try {
      await table.submitTransaction(actions);
    } catch (error) {
      // A row vanished in between (another delete): fall back to one by one, ignoring missing rows.
      if (statusOf(error) !== 404) throw error;
      for (const rowKey of keys) await ignore404(table.deleteEntity(partition, rowKey));
    }
  }
}
