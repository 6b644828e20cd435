import { createHash } from "node:crypto";
import type { ContainerClient } from "@azure/storage-blob";
import { isRestError } from "@azure/core-rest-pipeline";
import { imageReference, type ImageKey } from "../contract/index.js";
import type { FindingRow } from "./findings.js";
import { createOnce } from "../../storage/create-once.js";

/** The blob container the findings rows are kept in (created on first write). */
export const FINDINGS_CONTAINER = "image-findings";

interface StoredFindings {
  image: string;
  judgedAt: string;
  rows: FindingRow[];
}

/**
 * The findings table of each image judged, as JSON in one blob per image (a blob, not table rows: a report may have
 * thousands of findings; a table property holds 64 KiB). Written by the scan step after judging (each write replaces
 * the last, so a re-scan shows its own findings), read by the image page.
 */
export class FindingsStore {
  private readonly ensureContainer = createOnce(() => this.container.createIfNotExists());

  constructor(private readonly container: ContainerClient) {}

  private blobName(image: ImageKey): string {
    return `${createHash("sha256").update(imageReference(image)).digest("hex")}.json`;
  }

  async save(image: ImageKey, rows: FindingRow[], judgedAt: string): Promise<void> {
    await this.ensureContainer();
    const body = JSON.stringify({ image: imageReference(image), judgedAt, rows } satisfies StoredFindings);
    await this.container
      .getBlockBlobClient(this.blobName(image))
      .upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: "application/json" } });
  }

  /** The rows, or undefined when none were stored for the image (not judged, or judged before this existed). */
  async load(image: ImageKey): Promise<{ rows: FindingRow[]; judgedAt: string } | undefined> {
    try {
      const buffer = await this.container.getBlockBlobClient(this.blobName(image)).downloadToBuffer();
      const stored = JSON.parse(buffer.toString("utf8")) as StoredFindings;
      // The name is a hash of the reference: the content must still be this image's.
      if (stored.image !== imageReference(image) || !Array.isArray(stored.rows)) return undefined;
      return { rows: stored.rows, judgedAt: stored.judgedAt };
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}
