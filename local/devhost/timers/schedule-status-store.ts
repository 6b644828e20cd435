import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";

/** What the host remembers about a timer between runs (the real host keeps the same JSON in the same blob). */
export interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

const CONTAINER = "azure-webjobs-hosts";

/**
 * Keeps each timer function's schedule status in `azure-webjobs-hosts/timers/{hostId}/{function}/status`, like the
 * Functions host, so a restarted host knows whether an occurrence was missed (isPastDue).
 */
export class ScheduleStatusStore {
  readonly #container: ContainerClient;
  readonly #hostId: string;
  #ready: Promise<unknown> | undefined;

  constructor(connectionString: string, hostId: string) {
    this.#container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(CONTAINER);
    this.#hostId = hostId;
  }

  async read(functionName: string): Promise<ScheduleStatus | undefined> {
    await this.#ensureContainer();
    const blob = this.#container.getBlockBlobClient(this.#path(functionName));
    try {
      const buffer = await blob.downloadToBuffer();
      const parsed = JSON.parse(buffer.toString("utf8")) as Partial<ScheduleStatus>;
      if (typeof parsed.Last !== "string" || typeof parsed.Next !== "string") return undefined;
      return { Last: parsed.Last, Next: parsed.Next, LastUpdated: parsed.LastUpdated ?? parsed.Last };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async write(functionName: string, status: ScheduleStatus): Promise<void> {
    await this.#ensureContainer();
    const body = JSON.stringify(status);
    await this.#container.getBlockBlobClient(this.#path(functionName)).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
  }

  #path(functionName: string): string {
    return `timers/${this.#hostId}/Host.Functions.${functionName}/status`;
  }

  #ensureContainer(): Promise<unknown> {
    this.#ready ??= this.#container.createIfNotExists().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }
}
