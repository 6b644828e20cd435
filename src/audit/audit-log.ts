import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { RestError } from "@azure/core-rest-pipeline";
import type { AuditAction } from "./actions.js";

/**
 * One decision, with who made it and why. Stored append-only, one partition per image. The store keeps any action it
 * is given (records written by older versions keep theirs); the gate itself writes only AUDIT_ACTIONS (./actions.ts).
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
}

/** A record as a table row: its keys, and the findings summary as JSON text (tables hold no objects). */
type AuditEntity = Omit<AuditRecord, "findingsSummary"> & {
  partitionKey: string;
  rowKey: string;
  findingsSummary?: string;
};

/** Table keys may not contain '/', '\\', '#', '?'; the image reference is encoded so it can key a partition. */
function partitionOf(image: string): string {
  return Buffer.from(image).toString("base64url");
}

/** The audit trail in Azure Table Storage (Azurite locally): every decision with actor, time, reason, verdict, policy. */
export class AuditLog {
  private created: Promise<void> | undefined;

  constructor(private readonly table: TableClient) {}

  /** Writes one record; the gate writes only its own vocabulary (reads return whatever older versions wrote). */
  async record(entry: AuditRecord & { action: AuditAction }): Promise<void> {
    await this.ensureTable();
    const entity: AuditEntity = {
      partitionKey: partitionOf(entry.image),
      // Sortable by time; the suffix keeps two records in the same millisecond apart.
      rowKey: `${entry.at}_${randomUUID().slice(0, 8)}`,
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
    };
    await this.table.createEntity(
      Object.fromEntries(Object.entries(entity).filter(([, v]) => v !== undefined)) as unknown as AuditEntity,
    );
  }

  /** The image's trail, oldest first. */
  async history(image: string, limit = 500): Promise<AuditRecord[]> {
    await this.ensureTable();
    const records: AuditRecord[] = [];
    const filter = `PartitionKey eq '${partitionOf(image)}'`;
    for await (const entity of this.table.listEntities<AuditEntity>({ queryOptions: { filter } })) {
      records.push({
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
      });
      if (records.length >= limit) break;
    }
    return records.sort((a, b) => a.at.localeCompare(b.at));
  }

  private ensureTable(): Promise<void> {
    this.created ??= this.table.createTable().catch((error: unknown) => {
      if (error instanceof RestError && error.statusCode === 409) return;
      this.created = undefined;
      throw error;
    });
    return this.created;
  }
}
