import type { TableClient } from "@azure/data-tables";
import { RestError } from "@azure/core-rest-pipeline";
import { conflict, createOnce } from "../storage/create-once.js";

/**
 * Makes each scan's callback single use: the first accepted report claims the scan id with an insert that Table
 * Storage refuses for a second caller, however close together they arrive.
 */
export class ScanCallbackLedger {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = createOnce(() => table.createTable(), { alreadyThere: conflict });
  }

  /** True for the first claim of this scan id, false for every later one. */
  async claim(instanceId: string, scanId: string, at: Date): Promise<boolean> {
    await this.ensureTable();
    try {
      await this.table.createEntity({ partitionKey: instanceId, rowKey: scanId, claimedAt: at.toISOString() });
      return true;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 409) return false;
      throw error;
    }
  }
}
