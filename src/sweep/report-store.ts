import type { ContainerClient } from "@azure/storage-blob";
import { createOnce } from "../storage/create-once.js";

/** compliance-reports/{registry}/{timestamp}.json — the timestamp sorts and contains no characters a blob name must escape. */
export function reportBlobName(registry: string, at: Date, suffix = ""): string {
  const stamp = at.toISOString().replace(/[-:]/g, "");
  return `${registry.toLowerCase()}/${stamp}${suffix}.json`;
}

/** Writes reports as JSON blobs, creating the container on first use. */
export class ReportStore {
  private readonly ensureContainer = createOnce(() => this.container.createIfNotExists());

  constructor(private readonly container: ContainerClient) {}

  get containerName(): string {
    return this.container.containerName;
  }

  async write(name: string, report: unknown): Promise<string> {
    await this.ensureContainer();
    const body = JSON.stringify(report, null, 2);
    await this.container
      .getBlockBlobClient(name)
      .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" } });
    return `${this.container.containerName}/${name}`;
  }
}
