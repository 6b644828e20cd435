import { randomUUID } from "node:crypto";
import DataLoader from "dataloader";
import { isRestError } from "@azure/core-rest-pipeline";
import type { ContainerClient } from "@azure/storage-blob";
import { isDigest, isRepositoryName, isTag } from "../../acr/names.js";
import type { ImageKey, PipelineSource } from "../contract/index.js";
import { createOnce } from "../../storage/create-once.js";

/** One delivery the webhook took: what the drain needs to start the image's pipeline. */
export interface InboxEntry {
  image: ImageKey;
  source: PipelineSource;
  tag?: string;
  receivedAt: string;
}

/** One commit as stored: its deliveries, and what a conditional delete needs. */
export interface InboxBatch {
  /** The blob's name: what the log names when a batch cannot be read or started. */
  id: string;
  etag: string;
  entries: InboxEntry[];
  /** Entries of the batch that are not deliveries (edited by hand, another version): never started. */
  unreadable: number;
}

/**
 * The webhook's durable inbox: a delivery is answered once its entry is committed here, and the drain starts the
 * pipelines afterwards (docs/pipeline.md, "The webhook inbox"). Nothing is lost between the answer and the start: a
 * host that dies in between leaves the batch, and the next drain (after the next delivery, or the inboxDrain timer)
 * starts it.
 */
export interface WebhookInbox {
  /** Resolves once the entry is committed; rejects with the storage error when it is not (the caller answers 503). */
  accept(entry: InboxEntry): Promise<void>;
  /** Every batch waiting; one that cannot be read at all is reported to `unreadable` (by id) and skipped. */
  pending(unreadable: (id: string) => void): AsyncIterable<InboxBatch>;
  /** Removes a batch whose deliveries have all been started. */
  remove(batch: InboxBatch): Promise<void>;
}

/** Deliveries per commit at most: a burst's batches stay small blobs (≈ 30 KiB), each one request. */
export const MAX_ENTRIES_PER_COMMIT = 100;
/** Commits in flight at once: enough to overlap a commit with the next batch filling, few enough to batch well. */
const COMMITS_IN_FLIGHT = 2;
const PREFIX = "pending/";
/** A stored batch larger than this is not one of ours (100 entries are ≈ 30 KiB). */
const MAX_BATCH_BYTES = 1024 * 1024;

interface StoredBatch {
  version: 1;
  entries: readonly unknown[];
}

/**
 * The inbox as blobs, written by group commit (DataLoader batches the entries that arrive while earlier commits are in
 * flight): under a burst each request waits for one blob upload carrying up to 100 deliveries, not for a storage call
 * of its own. A blob, not table rows: one Put Blob is one request for the whole batch, where Table Storage's entity
 * group transaction does the same work once per entity (Azurite: 900 deliveries in 9 blobs ≈ 20–35 ms, in 9
 * transactions ≈ 130–240 ms), and a batch is written once, read by the drain, and deleted.
 * A blob is created with If-None-Match: * ("perform the operation only if the resource doesn't exist": Microsoft
 * Learn, "Specifying conditional headers for Blob service operations"), so a commit never replaces another. Repeated deliveries of a digest may sit in several batches: starting is
 * idempotent (the start claims), so the drain starts each pipeline once whatever the number of entries.
 */
export class BlobWebhookInbox implements WebhookInbox {
  /** The container, created on first use (once per process; a failed creation is tried again next time). */
  private readonly ensureContainer = createOnce(() => this.container.createIfNotExists());
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly loader: DataLoader<InboxEntry, void>;

  constructor(private readonly container: ContainerClient) {
    this.loader = new DataLoader<InboxEntry, void>((entries) => this.commit(entries), {
      cache: false,
      maxBatchSize: MAX_ENTRIES_PER_COMMIT,
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

  async *pending(unreadable: (id: string) => void): AsyncIterable<InboxBatch> {
    await this.ensureContainer();
    for await (const blob of this.container.listBlobsFlat({ prefix: PREFIX })) {
      if ((blob.properties.contentLength ?? 0) > MAX_BATCH_BYTES) {
        unreadable(blob.name);
        continue;
      }
      // The listing carries the ETag: the download is of that version, and the delete later names it too.
      const etag = blob.properties.etag ?? "";
      let body: Buffer;
      try {
        body = await this.container
          .getBlobClient(blob.name)
          .downloadToBuffer(0, undefined, { conditions: { ifMatch: etag } });
      } catch (error) {
        // Removed by another drain meanwhile (404), or replaced under us (412): nothing of ours to do with it now.
        if (isRestError(error) && (error.statusCode === 404 || error.statusCode === 412)) continue;
        throw error;
      }
      const batch = batchOf(blob.name, etag, body);
      if (batch) yield batch;
      else unreadable(blob.name);
    }
  }

  async remove(batch: InboxBatch): Promise<void> {
    try {
      await this.container.deleteBlob(batch.id, { conditions: { ifMatch: batch.etag } });
    } catch (error) {
      // 404: another drain removed it; 412 cannot happen to a blob nobody rewrites, and leaving it is safe.
      if (isRestError(error) && (error.statusCode === 404 || error.statusCode === 412)) return;
      throw error;
    }
  }

  private async commit(entries: readonly InboxEntry[]): Promise<Array<void | Error>> {
    this.inFlight += 1;
    try {
      await this.ensureContainer();
      const body = JSON.stringify({ version: 1, entries } satisfies StoredBatch);
      // Named by time, so a listing (name order) drains the oldest deliveries first.
      const name = `${PREFIX}${new Date().toISOString()}-${randomUUID()}.json`;
      await this.container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: "*" },
        blobHTTPHeaders: { blobContentType: "application/json" },
      });
      return entries.map(() => undefined);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return entries.map(() => failure);
    } finally {
      this.inFlight -= 1;
      this.waiting.shift()?.();
    }
  }
}

const SOURCES: ReadonlySet<string> = new Set<PipelineSource>(["webhook", "push-shadow"]);

/** A stored blob back as a batch, or undefined when it is not one (not JSON, another version). */
function batchOf(id: string, etag: string, body: Buffer): InboxBatch | undefined {
  let stored: unknown;
  try {
    stored = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const candidate = stored as Partial<StoredBatch> | null;
  if (!candidate || candidate.version !== 1 || !Array.isArray(candidate.entries)) return undefined;
  const entries: InboxEntry[] = [];
  let unreadable = 0;
  for (const raw of candidate.entries) {
    const entry = entryOf(raw);
    if (entry) entries.push(entry);
    else unreadable += 1;
  }
  return { id, etag, entries, unreadable };
}

/** One stored entry, checked field by field: only a delivery the webhook validated can look like this. */
function entryOf(raw: unknown): InboxEntry | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const { image, source, tag, receivedAt } = raw as Record<string, unknown>;
  if (typeof image !== "object" || image === null) return undefined;
  const { loginServer, repository, digest } = image as Record<string, unknown>;
  // The same checks the webhook's parser made before the entry was kept (src/acr/names.ts).
  if (typeof loginServer !== "string" || !loginServer || !isRepositoryName(repository) || !isDigest(digest))
    return undefined;
  if (typeof source !== "string" || !SOURCES.has(source)) return undefined;
  if (tag !== undefined && !isTag(tag)) return undefined;
  return {
    image: { loginServer, repository, digest },
    source: source as PipelineSource,
    ...(tag ? { tag } : {}),
    receivedAt: typeof receivedAt === "string" ? receivedAt : "",
  };
}
