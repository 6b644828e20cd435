import DataLoader from "dataloader";
import { isRestError } from "@azure/core-rest-pipeline";
import type { TableClient, TableEntityResult, TransactionAction } from "@azure/data-tables";
import { pipelineInstanceId, type ImageKey, type PipelineSource } from "../contract/index.js";

/** One delivery the webhook took: what the drain needs to start the image's pipeline. */
export interface InboxEntry {
  image: ImageKey;
  source: PipelineSource;
  tag?: string;
  receivedAt: string;
}

/** An entry as stored, with what a conditional delete needs. */
export interface InboxRow extends InboxEntry {
  instanceId: string;
  etag: string;
}

/**
 * The webhook's durable inbox: a delivery is answered once its entry is committed here, and the drain starts the
 * pipelines afterwards (docs/pipeline.md, "The webhook inbox"). Nothing is lost between the answer and the start: a
 * host that dies in between leaves the row, and the next drain (after the next delivery, on start-up, or the
 * inboxDrain timer) starts it.
 */
export interface WebhookInbox {
  /** Resolves once the entry is committed; rejects with the storage error when it is not (the caller answers 503). */
  accept(entry: InboxEntry): Promise<void>;
  /** Every entry waiting; a row that cannot be read as an entry is reported to `unreadable` (by row key) and skipped. */
  pending(unreadable: (rowKey: string) => void): AsyncIterable<InboxRow>;
  /** Removes a started entry unless a later delivery replaced it meanwhile (then the next drain starts that one). */
  remove(row: InboxRow): Promise<void>;
}

/**
 * All entries share one partition so a burst commits in entity group transactions: at most 100 entities, one
 * PartitionKey, each entity once per transaction, 4 MiB payload (Microsoft Learn, "Performing entity group
 * transactions", https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions). One
 * partition serves up to 2,000 entities per second (Scalability targets for Table storage), far above what a registry
 * sends, and 100 entries per request is 1 % of the requests one insert per delivery would take.
 */
const PARTITION = "pending";
export const MAX_ENTRIES_PER_TRANSACTION = 100;
/** Commits in flight at once: enough to overlap a commit with the next batch filling, few enough to batch well. */
const COMMITS_IN_FLIGHT = 2;

// A type, not an interface: the tables SDK's entity type wants an index signature.
type StoredEntry = {
  partitionKey: string;
  rowKey: string;
  loginServer: string;
  repository: string;
  digest: string;
  source: string;
  tag?: string;
  receivedAt: string;
};

/**
 * The inbox in a table, written by group commit (DataLoader batches the entries that arrive while earlier commits are
 * in flight): under a burst each request waits for one transaction of up to 100 entries, not for a storage call of
 * its own. Entries are upserts keyed by the pipeline's instance id, so repeated deliveries of a digest collapse into
 * one row (the last one's tag and time).
 */
export class TableWebhookInbox implements WebhookInbox {
  private created: Promise<void> | undefined;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly loader: DataLoader<InboxEntry, void>;

  constructor(
    private readonly table: Pick<TableClient, "createTable" | "submitTransaction" | "listEntities" | "deleteEntity">,
  ) {
    this.loader = new DataLoader<InboxEntry, void>((entries) => this.commit(entries), {
      cache: false,
      maxBatchSize: MAX_ENTRIES_PER_TRANSACTION,
      // A batch closes when a commit slot is free: at once when storage keeps up, later (and fuller) when it does not.
      batchScheduleFn: (dispatch) => {
        if (this.inFlight < COMMITS_IN_FLIGHT) setImmediate(dispatch);
        else this.waiting.push(dispatch);
      },
    });
  }

  accept(entry: InboxEntry): Promise<void> {
    return this.loader.load(entry);
  }

  async *pending(unreadable: (rowKey: string) => void): AsyncIterable<InboxRow> {
    await this.ensureTable();
    const entities = this.table.listEntities<StoredEntry>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    });
    for await (const entity of entities) {
      const row = rowOf(entity);
      if (row) yield row;
      else unreadable(String(entity.rowKey));
    }
  }

  async remove(row: InboxRow): Promise<void> {
    try {
      await this.table.deleteEntity(PARTITION, row.instanceId, { etag: row.etag });
    } catch (error) {
      // 404: another drain removed it; 412: a later delivery replaced it, and the next drain starts that one.
      if (isRestError(error) && (error.statusCode === 404 || error.statusCode === 412)) return;
      throw error;
    }
  }

  private async commit(entries: readonly InboxEntry[]): Promise<Array<void | Error>> {
    this.inFlight += 1;
    try {
      await this.ensureTable();
      // An entity may appear once per transaction: the last delivery of a digest in the batch stands for all of them.
      const byId = new Map<string, StoredEntry>();
      for (const entry of entries) byId.set(pipelineInstanceId(entry.image), stored(entry));
      const actions: TransactionAction[] = [...byId.values()].map((entity) => ["upsert", entity, "Replace"]);
      await this.table.submitTransaction(actions);
      return entries.map(() => undefined);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return entries.map(() => failure);
    } finally {
      this.inFlight -= 1;
      this.waiting.shift()?.();
    }
  }

  private ensureTable(): Promise<void> {
    this.created ??= this.table.createTable().catch((error: unknown) => {
      if (isRestError(error) && error.statusCode === 409) return;
      this.created = undefined;
      throw error;
    });
    return this.created;
  }
}

function stored(entry: InboxEntry): StoredEntry {
  return {
    partitionKey: PARTITION,
    rowKey: pipelineInstanceId(entry.image),
    loginServer: entry.image.loginServer,
    repository: entry.image.repository,
    digest: entry.image.digest,
    source: entry.source,
    ...(entry.tag ? { tag: entry.tag } : {}),
    receivedAt: entry.receivedAt,
  };
}

const SOURCES: ReadonlySet<string> = new Set<PipelineSource>(["webhook", "push-shadow"]);

/** A stored row back as an entry, or undefined for a row that is not one (edited by hand, another version). */
function rowOf(entity: TableEntityResult<StoredEntry>): InboxRow | undefined {
  const { rowKey, etag, loginServer, repository, digest, source, tag, receivedAt } = entity;
  if (typeof loginServer !== "string" || typeof repository !== "string" || typeof digest !== "string") return undefined;
  if (typeof source !== "string" || !SOURCES.has(source) || typeof rowKey !== "string") return undefined;
  const image: ImageKey = { loginServer, repository, digest };
  if (pipelineInstanceId(image) !== rowKey) return undefined;
  return {
    instanceId: rowKey,
    etag,
    image,
    source: source as PipelineSource,
    ...(typeof tag === "string" && tag ? { tag } : {}),
    receivedAt: typeof receivedAt === "string" ? receivedAt : "",
  };
}
