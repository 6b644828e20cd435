import type { ContainerClient } from "@azure/storage-blob";

/** compliance-reports/{registry}/{timestamp}.json — the timestamp sorts and contains no characters a blob name must escape. */
export function reportBlobName(registry: string, at: Date, suffix = ""): string {
  const stamp = at.toISOString().replace(/[-:]/g, "");
  return `${registry.toLowerCase()}/${stamp}${suffix}.json`;
}

/** Writes reports as JSON blobs, creating the container on first use. */
export class ReportStore {
  private created: Promise<unknown> | undefined;

  constructor(private readonly container: ContainerClient) {}

  get containerName(): string {
    return this.container.containerName;
  }

  async write(name: string, report: unknown): Promise<string> {
    this.created ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.created = undefined;
      throw error;
    });
    await this.created;
    const body = JSON.stringify(report, null, 2);
    await this.container
      .getBlockBlobClient(name)
      .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" } });
    return `${this.container.containerName}/${name}`;
  }
}
