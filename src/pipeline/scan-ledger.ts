import type { TableClient } from "@azure/data-tables";
import { RestError } from "@azure/core-rest-pipeline";

/**
 * Makes each scan's callback single use: the first accepted report claims the scan id with an insert that Table
 * Storage refuses for a second caller, however close together they arrive.
 */
export class ScanCallbackLedger {
  private created: Promise<void> | undefined;

  constructor(private readonly table: TableClient) {}

  /** True for the first claim of this scan id, false for every later one. */
  async claim(instanceId: string, scanId: string, at: Date): Promise<boolean> {
    this.created ??= this.table.createTable().catch((error: unknown) => {
      if (error instanceof RestError && error.statusCode === 409) return;
      this.created = undefined;
      throw error;
    });
    await this.created;
    try {
      await this.table.createEntity({ partitionKey: instanceId, rowKey: scanId, claimedAt: at.toISOString() });
      return true;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 409) return false;
      throw error;
    }
  }
}
