import { isRestError } from "@azure/core-rest-pipeline";
import type { TableClient } from "@azure/data-tables";
import { conflict, createOnce } from "../../storage/create-once.js";

/**
 * Which pipelines were ever started, so the first delivery for a digest can start its pipeline without first reading
 * the instance's status. Each start claims the instance id with an insert that Table Storage refuses with 409 Conflict
 * when the row exists (Insert Entity, https://learn.microsoft.com/rest/api/storageservices/insert-entity): one storage
 * call, straight to the table, instead of a status read through the Durable host. Only a delivery that finds the
 * claim taken (a repeat, a restart) reads the status, to tell a live or completed pipeline from a restartable one.
 */
export interface StartClaims {
  /** True when this is the first start ever claimed for the instance id. */
  claim(instanceId: string, at: Date): Promise<boolean>;
}

export class TableStartClaims implements StartClaims {
  private readonly ensureTable = createOnce(() => this.table.createTable(), { alreadyThere: conflict });

  constructor(private readonly table: Pick<TableClient, "createTable" | "createEntity">) {}

  async claim(instanceId: string, at: Date): Promise<boolean> {
    await this.ensureTable();
    try {
      await this.table.createEntity({ partitionKey: instanceId, rowKey: "start", claimedAt: at.toISOString() });
      return true;
    } catch (error) {
      if (isRestError(error) && error.statusCode === 409) return false;
      throw error;
    }
  }
}
