import { createHash } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { isRestError } from "@azure/core-rest-pipeline";
import { ReevaluationError } from "./errors.js";
import { recordKey, type RecordState, type RemediationRecord } from "./records.js";
import { createOnce } from "../storage/create-once.js";

/** Where remediation records live: one row per image, finding and package. */
export interface RemediationStore {
  recordsOf(image: { loginServer: string; repository: string; digest: string }): Promise<RemediationRecord[]>;
  /** Writes the records as given (insert or replace). */
  put(records: readonly RemediationRecord[]): Promise<void>;
  /** Every record in these states (all when none given), for candidates and the inventory. */
  list(states?: readonly RecordState[]): AsyncIterable<RemediationRecord>;
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 40);
const partitionOf = (r: { loginServer: string; repository: string; digest: string }) =>
  hash(`${r.loginServer}/${r.repository}@${r.digest}`);

type Row = Omit<RemediationRecord, "remindersSent"> & { partitionKey: string; rowKey: string; remindersSent: string };

/** The records in Azure Table Storage (Azurite locally): partition per image, row per finding and package. */
export class TableRemediationStore implements RemediationStore {
  private readonly ensureTable: () => Promise<void>;

  constructor(private readonly table: TableClient) {
    this.ensureTable = createOnce(() => table.createTable(), {
      describe: (error) => failed("create the table of", error),
    });
  }

  async recordsOf(image: { loginServer: string; repository: string; digest: string }): Promise<RemediationRecord[]> {
    await this.ensureTable();
    const out: RemediationRecord[] = [];
    try {
      const filter = `PartitionKey eq '${partitionOf(image)}'`;
      for await (const row of this.table.listEntities<Row>({ queryOptions: { filter } })) out.push(fromRow(row));
    } catch (error) {
      throw failed("read", error);
    }
    return out;
  }

  async put(records: readonly RemediationRecord[]): Promise<void> {
    await this.ensureTable();
    try {
      for (const record of records) {
        const row: Row = {
          ...record,
          partitionKey: partitionOf(record),
          rowKey: hash(recordKey(record)),
          remindersSent: JSON.stringify(record.remindersSent),
        };
        await this.table.upsertEntity(
          Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as Row,
          "Replace",
        );
      }
    } catch (error) {
      throw failed("write", error);
    }
  }

  async *list(states?: readonly RecordState[]): AsyncIterable<RemediationRecord> {
    await this.ensureTable();
    const filter = states?.length ? states.map((s) => `state eq '${s}'`).join(" or ") : undefined;
    try {
      for await (const row of this.table.listEntities<Row>(filter ? { queryOptions: { filter } } : {}))
        yield fromRow(row);
    } catch (error) {
      throw failed("list", error);
    }
  }
}

function fromRow(row: Row): RemediationRecord {
  let reminders: number[] = [];
  try {
    const parsed: unknown = JSON.parse(row.remindersSent);
    if (Array.isArray(parsed)) reminders = parsed.filter((d): d is number => typeof d === "number");
  } catch {
    // An unreadable list counts as none sent: a reminder may go out twice, never a deadline be missed.
  }
  return {
    loginServer: row.loginServer,
    repository: row.repository,
    digest: row.digest,
    findingId: row.findingId,
    package: row.package,
    severity: row.severity,
    firstSeen: row.firstSeen,
    dueBy: row.dueBy,
    state: row.state,
    remindersSent: reminders,
    updatedAt: row.updatedAt,
    ...(row.closedReason ? { closedReason: row.closedReason } : {}),
  };
}

function failed(what: string, error: unknown): ReevaluationError {
  return new ReevaluationError(
    `could not ${what} the remediation records: ${(error as Error).message}`,
    "reevaluation-store-failed",
    {
      cause: error,
      upstreamCode: isRestError(error) ? error.code : undefined,
    },
  );
}

/** Records in memory, for unit tests of the activities and for the benchmark. */
export class MemoryRemediationStore implements RemediationStore {
  readonly rows = new Map<string, RemediationRecord>();

  async recordsOf(image: { loginServer: string; repository: string; digest: string }): Promise<RemediationRecord[]> {
    return [...this.rows.values()].filter(
      (r) => r.loginServer === image.loginServer && r.repository === image.repository && r.digest === image.digest,
    );
  }

  async put(records: readonly RemediationRecord[]): Promise<void> {
    for (const record of records) this.rows.set(recordKey(record), { ...record });
  }

  async *list(states?: readonly RecordState[]): AsyncIterable<RemediationRecord> {
    for (const record of this.rows.values()) if (!states?.length || states.includes(record.state)) yield record;
  }
}
