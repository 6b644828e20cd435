import { odata, TableClient, type TableEntityResult } from "@azure/data-tables";
import { getLargeString, putLargeString, type TableEntity } from "./entity-codec.js";
import type { ParentInstance, RuntimeStatus } from "../replay/history.js";
import { HistoryConflictError, HistoryTable } from "./history-table.js";
import { deleteRows, ignore404, statusOf } from "./table-rows.js";

export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text (or raw text, e.g. a terminate reason), as the extension stores them. */
  input?: string;
  output?: string;
  customStatus?: string | null;
  createdTime: Date;
  lastUpdatedTime: Date;
  completedTime?: Date;
  parent?: ParentInstance;
  etag?: string;
}

export interface InboxRecord {
  messageId: string;
  kind: "EventRaised" | "Terminate";
  name?: string;
  input?: string;
  reason?: string;
}

export interface InstanceQuery {
  statuses?: RuntimeStatus[];
  createdFrom?: Date;
  createdTo?: Date;
  instanceIdPrefix?: string;
  pageSize?: number;
  continuationToken?: string;
}

export class ConflictError extends Error {}

export { HistoryConflictError };

/**
 * The task hub in Azure Table Storage, named like the Azure Storage provider's tables: `{hub}Instances` (one row per
 * instance), `{hub}History` (the history, one entity per episode, see HistoryTable) and `{hub}Inbox` (client messages —
 * raised events and terminations — stored before they are acknowledged and removed once applied).
 */
export class DurableStore {
  readonly #instances: TableClient;
  readonly #historyTable: TableClient;
  readonly #inbox: TableClient;
  readonly history: HistoryTable;

  private constructor(connectionString: string, hub: string) {
    const open = (suffix: string): TableClient =>
      TableClient.fromConnectionString(connectionString, `${hub}${suffix}`, { allowInsecureConnection: true });
    this.#instances = open("Instances");
    this.#historyTable = open("History");
    this.#inbox = open("Inbox");
    this.history = new HistoryTable(this.#historyTable);
  }

  static async open(connectionString: string, hub: string): Promise<DurableStore> {
    const store = new DurableStore(connectionString, hub);
    await Promise.all([store.#instances, store.#historyTable, store.#inbox].map((t) => t.createTable()));
    return store;
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    try {
      return fromInstanceEntity(await this.#instances.getEntity<Record<string, unknown>>(instanceId, ""));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Inserts a new instance row; ConflictError when one exists (or, with `etag`, replaces only that exact version). */
  async putInstance(
    record: InstanceRecord,
    mode: { create: true } | { etag: string } | { force: true },
  ): Promise<string> {
    const entity = toInstanceEntity(record);
    try {
      const response =
        "create" in mode
          ? await this.#instances.createEntity(entity)
          : await this.#instances.updateEntity(entity, "Replace", "etag" in mode ? { etag: mode.etag } : undefined);
      return response.etag ?? "";
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412)
        throw new ConflictError(`Instance ${record.instanceId} changed concurrently.`);
      if (status === 404 && "force" in mode) return (await this.#instances.createEntity(entity)).etag ?? "";
      throw error;
    }
  }

  async deleteInstance(instanceId: string): Promise<void> {
    await ignore404(this.#instances.deleteEntity(instanceId, ""));
  }

  async queryInstances(query: InstanceQuery): Promise<{ items: InstanceRecord[]; continuationToken?: string }> {
    const filters: string[] = [];
    if (query.statuses && query.statuses.length > 0) {
      filters.push(`(${query.statuses.map((s) => odata`RuntimeStatus eq ${s}`).join(" or ")})`);
    }
    if (query.createdFrom) filters.push(odata`CreatedTime ge ${query.createdFrom}`);
    if (query.createdTo) filters.push(odata`CreatedTime le ${query.createdTo}`);
    if (query.instanceIdPrefix) {
      filters.push(odata`PartitionKey ge ${query.instanceIdPrefix}`);
      filters.push(odata`PartitionKey lt ${`${query.instanceIdPrefix}\uffff`}`);
    }
    const pages = this.#instances
      .listEntities<Record<string, unknown>>({
        queryOptions: { filter: filters.length > 0 ? filters.join(" and ") : undefined },
      })
      .byPage({ maxPageSize: query.pageSize ?? 100, continuationToken: query.continuationToken });
    const page = await pages.next();
    if (page.done) return { items: [] };
    return { items: page.value.map(fromInstanceEntity), continuationToken: page.value.continuationToken };
  }

  /** Every instance row in the given statuses (all pages). */
  async allInstances(statuses: RuntimeStatus[]): Promise<InstanceRecord[]> {
    const items: InstanceRecord[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.queryInstances({ statuses, continuationToken, pageSize: 1000 });
      items.push(...page.items);
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return items;
  }

  async addInbox(instanceId: string, record: InboxRecord): Promise<void> {
    const entity: TableEntity = {
      partitionKey: instanceId,
      rowKey: record.messageId,
      Kind: record.kind,
      Name: record.name,
      Reason: record.reason,
    };
    putLargeString(entity, "Input", record.input, `Event "${record.name}" data`);
    await this.#inbox.createEntity(entity);
  }

  async loadInbox(instanceId: string): Promise<InboxRecord[]> {
    const records: InboxRecord[] = [];
    for await (const entity of this.#inbox.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${instanceId}` },
    })) {
      records.push({
        messageId: String(entity.rowKey),
        kind: entity.Kind === "Terminate" ? "Terminate" : "EventRaised",
        name: entity.Name as string | undefined,
        input: getLargeString(entity, "Input"),
        reason: entity.Reason as string | undefined,
      });
    }
    return records;
  }

  async deleteInbox(instanceId: string, messageIds?: string[]): Promise<void> {
    if (messageIds === undefined) {
      await this.#deleteWhere(this.#inbox, odata`PartitionKey eq ${instanceId}`);
      return;
    }
    await deleteRows(this.#inbox, instanceId, messageIds);
  }

  async #deleteWhere(table: TableClient, filter: string): Promise<void> {
    const byPartition = new Map<string, string[]>();
    for await (const entity of table.listEntities({ queryOptions: { filter, select: ["PartitionKey", "RowKey"] } })) {
      const list = byPartition.get(String(entity.partitionKey)) ?? [];
      list.push(String(entity.rowKey));
      byPartition.set(String(entity.partitionKey), list);
    }
    for (const [partition, keys] of byPartition) await deleteRows(table, partition, keys);
  }
}

function toInstanceEntity(record: InstanceRecord): TableEntity {
  const entity: TableEntity = {
    partitionKey: record.instanceId,
    rowKey: "",
    Name: record.name,
    ExecutionId: record.executionId,
    RuntimeStatus: record.runtimeStatus,
    CreatedTime: record.createdTime,
    LastUpdatedTime: record.lastUpdatedTime,
  };
  if (record.completedTime) entity.CompletedTime = record.completedTime;
  if (record.parent) entity.Parent = JSON.stringify(record.parent);
  putLargeString(entity, "Input", record.input, `Input of ${record.instanceId}`);
  putLargeString(entity, "Output", record.output, `Output of ${record.instanceId}`);
  putLargeString(entity, "CustomStatus", record.customStatus, `Custom status of ${record.instanceId}`);
  return entity;
}

function fromInstanceEntity(entity: TableEntityResult<Record<string, unknown>>): InstanceRecord {
  return {
    instanceId: String(entity.partitionKey),
    name: String(entity.Name),
    executionId: String(entity.ExecutionId),
    runtimeStatus: String(entity.RuntimeStatus) as RuntimeStatus,
    input: getLargeString(entity, "Input"),
    output: getLargeString(entity, "Output"),
    customStatus: getLargeString(entity, "CustomStatus") ?? null,
    createdTime: new Date(entity.CreatedTime as string | Date),
    lastUpdatedTime: new Date(entity.LastUpdatedTime as string | Date),
    completedTime: entity.CompletedTime ? new Date(entity.CompletedTime as string | Date) : undefined,
    parent: typeof entity.Parent === "string" ? (JSON.parse(entity.Parent) as ParentInstance) : undefined,
    etag: entity.etag,
  };
}
