import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { isRestError } from "@azure/core-rest-pipeline";
import type { AuditAction } from "./actions.js";
import { conflict, createOnce } from "../storage/create-once.js";

/**
 * One decision, with who made it and why. Stored append-only (insert-if-absent, one row per event), one partition per
 * image. The store keeps any action it is given (records written by older versions keep theirs); the gate itself
 * writes only AUDIT_ACTIONS (./actions.ts).
 */
export interface AuditRecord {
  image: string;
  action: string;
  actor: string;
  at: string;
  reason: string;
  verdict?: string;
  quarantineState?: string;
  findingsSummary?: Record<string, number>;
  policyVersion?: string;
  instanceId?: string;
  /** What VEX did to the verdict, in one line (which statements suppressed what), when VEX was in play. */
  vex?: string;
}

/** A record as a table row: its keys, and the findings summary as JSON text (tables hold no objects). */
type AuditEntity = Omit<AuditRecord, "findingsSummary"> & {
  partitionKey: string;
  rowKey: string;
  findingsSummary?: string;
};

/**
 * What makes a record one event, the same on every attempt to write it: a scope (the instance it belongs to, or the
 * image) and an identity within it (for a pipeline, the orchestration's decision time, fixed in durable history; for
 * break-glass, the request). Together with the action they decide the row key, so writing the same event again finds
 * its row instead of adding one.
 */
export interface AuditKey {
  scope: string;
  identity: string;
}

/**
 * The row key of an event: a hash of scope, action and identity. Deterministic (no random suffix, no time of the
 * attempt), and hex, so it is a valid key whatever the parts contain (table keys may not contain '/', '\\', '#', '?').
 */
export function auditRowKey(key: AuditKey, action: string): string {
  return `ev-${createHash("sha256")
    .update(JSON.stringify([key.scope, action, key.identity]))
    .digest("hex")
    .slice(0, 40)}`;
}

/** Without a key of the caller's: the instance (or the image) and the record's own time and actor. */
function defaultKey(entry: AuditRecord): AuditKey {
  return { scope: entry.instanceId ?? entry.image, identity: `${entry.at}|${entry.actor}` };
}

/**
 * Insert Entity answers 409 with the error code EntityAlreadyExists when a row with the same PartitionKey and RowKey
 * exists (Microsoft Learn, "Table Storage error codes":
 * https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes). @azure/data-tables surfaces it as
 * a RestError whose parsed body carries `odataError.code`, the way its own createTable recognises TableAlreadyExists
 * (@azure/data-tables 13.3.2, dist/esm/utils/errorHelpers.js, handleTableAlreadyExists); `code` carries it too.
 */
function isEntityAlreadyExists(error: unknown): boolean {
  if (!isRestError(error) || error.statusCode !== 409) return false;
  const body = (error.response as { parsedBody?: { odataError?: { code?: string } } } | undefined)?.parsedBody;
  return error.code === "EntityAlreadyExists" || body?.odataError?.code === "EntityAlreadyExists";
}

/** Table keys may not contain '/', '\\', '#', '?'; the image reference is encoded so it can key a partition. */
function partitionOf(image: string): string {
  return Buffer.from(image).toString("base64url");
}

/** The audit trail in Azure Table Storage (Azurite locally): every decision with actor, time, reason, verdict, policy. */
export class AuditLog {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = createOnce(() => table.createTable(), { alreadyThere: conflict });
  }

  /**
   * Writes one record, once: the row key comes from the event's key (see AuditKey), and the row is inserted only if
   * absent, so a second delivery of the same write (Durable runs activities at least once) finds the row and is done.
   * The gate writes only its own vocabulary (reads return whatever older versions wrote).
   */
  async record(entry: AuditRecord & { action: AuditAction }, key: AuditKey = defaultKey(entry)): Promise<void> {
    await this.ensureTable();
    const entity: AuditEntity = {
      partitionKey: partitionOf(entry.image),
      rowKey: auditRowKey(key, entry.action),
      image: entry.image,
      action: entry.action,
      actor: entry.actor,
      at: entry.at,
      reason: entry.reason.slice(0, 8_000),
      verdict: entry.verdict,
      quarantineState: entry.quarantineState,
      findingsSummary: entry.findingsSummary ? JSON.stringify(entry.findingsSummary) : undefined,
      policyVersion: entry.policyVersion,
      instanceId: entry.instanceId,
      vex: entry.vex?.slice(0, 8_000),
    };
    try {
      await this.table.createEntity(
        Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== undefined)) as unknown as AuditEntity,
      );
    } catch (error) {
      // The event is already recorded (an earlier delivery wrote it): nothing left to do.
      if (isEntityAlreadyExists(error)) return;
      throw error;
    }
  }

  /**
   * The image's trail, oldest first by each record's time (`at`): row keys identify events, they do not order them,
   * so the whole partition (one image: a handful of rows) is read, up to `scanLimit` rows, and sorted.
   */
  async history(image: string, limit = 500, scanLimit = 5_000): Promise<AuditRecord[]> {
    await this.ensureTable();
    const rows: Array<{ rowKey: string; record: AuditRecord }> = [];
    const filter = `PartitionKey eq '${partitionOf(image)}'`;
    for await (const entity of this.table.listEntities<AuditEntity>({ queryOptions: { filter } })) {
      rows.push({
        rowKey: entity.rowKey,
        record: {
          image: entity.image,
          action: entity.action,
          actor: entity.actor,
          at: entity.at,
          reason: entity.reason,
          verdict: entity.verdict,
          quarantineState: entity.quarantineState,
          findingsSummary: entity.findingsSummary
            ? (JSON.parse(entity.findingsSummary) as Record<string, number>)
            : undefined,
          policyVersion: entity.policyVersion,
          instanceId: entity.instanceId,
          vex: entity.vex,
        },
      });
      if (rows.length >= scanLimit) break;
    }
    return rows
      .sort((a, b) => a.record.at.localeCompare(b.record.at) || a.rowKey.localeCompare(b.rowKey))
      .slice(0, limit)
      .map((row) => row.record);
  }
}
