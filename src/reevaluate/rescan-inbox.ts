import { isRestError } from "@azure/core-rest-pipeline";
import type { ContainerClient } from "@azure/storage-blob";
import { callbackTokenMatches, describeScanFailure, isScanFailureMediaType } from "../scanning/queue/index.js";
import type { ImageToScan } from "../scanning/pull-token.js";
import { createOnce } from "../storage/create-once.js";
import {
  CallbackTokenRejectedError,
  ScanAlreadyReportedError,
  ScanNotAwaitingReportError,
} from "../pipeline/errors.js";

/** What the re-scan inbox holds for one re-scan, as the waiting activity reads it. */
export type RescanState =
  { state: "pending" } | { state: "reported"; body: Buffer } | { state: "failed"; error: string; retryable: boolean };

interface StoredRequest {
  version: 1;
  callbackTokenHash: string;
  image: ImageToScan;
  requestedAt: string;
}

const REQUEST = "request.json";
const REPORT = "report";

/**
 * Where a queue re-scan's report waits for the activity that asked for it (src/reevaluate/queue-rescanner.ts): one
 * blob container, two blobs per re-scan, `<scanId>/request.json` (the callback token's hash, never the token) and
 * `<scanId>/report` (the scanner's body as posted, or its explicit failure). A re-scan belongs to no orchestration, so
 * the callback cannot raise an event; the activity polls here instead.
 *
 * Single use: the report is written with `If-None-Match: *` (Put Blob succeeds only when no blob of that name exists:
 * Microsoft Learn, "Specifying conditional headers for Blob service operations"), so a second post, even a
 * simultaneous one, gets 409 `ERR_SCAN_ALREADY_REPORTED`. A re-scan that ended (reported, failed, or past its
 * deadline) is removed, and a late post gets 409 `ERR_SCAN_NOT_AWAITING_REPORT`.
 */
export class RescanInbox {
  private readonly ensureContainer: () => Promise<void>;

  constructor(private readonly container: ContainerClient) {
    this.ensureContainer = createOnce(() => container.createIfNotExists());
  }

  /** Before the request is on the queue: from now on the scanner's callback is accepted. */
  async open(scanId: string, callbackTokenHash: string, image: ImageToScan, at: Date): Promise<void> {
    await this.ensureContainer();
    const body = JSON.stringify({
      version: 1,
      callbackTokenHash,
      image,
      requestedAt: at.toISOString(),
    } satisfies StoredRequest);
    await this.container.getBlockBlobClient(`${scanId}/${REQUEST}`).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
    });
  }

  /**
   * The scanner's POST: the token must match the stored hash (nothing of the body is read before that), then the body
   * is kept as it came (judged by the activity under the policy of its run). Errors are the pipeline callback's own.
   */
  async accept(
    scanId: string,
    authorization: string | null,
    body: Uint8Array,
    contentType: string | null,
  ): Promise<{ failed: boolean }> {
    const request = await this.request(scanId);
    if (!request)
      throw new ScanNotAwaitingReportError(
        `re-scan ${scanId} is not waiting for a report (already reported, timed out, or unknown)`,
      );
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!callbackTokenMatches(presented, request.callbackTokenHash))
      throw new CallbackTokenRejectedError("the callback token is missing or wrong");
    const failed = isScanFailureMediaType(contentType);
    const stored = failed ? Buffer.from(JSON.stringify(describeScanFailure(body))) : Buffer.from(body);
    try {
      await this.container.getBlockBlobClient(`${scanId}/${REPORT}`).upload(stored, stored.byteLength, {
        conditions: { ifNoneMatch: "*" },
        metadata: { kind: failed ? "failure" : "report" },
      });
    } catch (error) {
      if (isRestError(error) && (error.statusCode === 409 || error.statusCode === 412))
        throw new ScanAlreadyReportedError(`re-scan ${scanId} already has its report`);
      throw error;
    }
    return { failed };
  }

  /** What the activity sees: nothing yet, the report, or the scanner's failure. */
  async state(scanId: string): Promise<RescanState> {
    const blob = this.container.getBlockBlobClient(`${scanId}/${REPORT}`);
    let kind: string | undefined;
    let download: Buffer;
    try {
      // A HEAD while waiting; the body only once it is there.
      kind = (await blob.getProperties()).metadata?.kind;
      download = await blob.downloadToBuffer();
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return { state: "pending" };
      throw error;
    }
    if (kind !== "failure") return { state: "reported", body: download };
    try {
      const failure = JSON.parse(download.toString("utf8")) as { error?: unknown; retryable?: unknown };
      return {
        state: "failed",
        error: typeof failure.error === "string" ? failure.error : "the scanner reported a failure",
        retryable: failure.retryable === true,
      };
    } catch {
      return { state: "failed", error: "the scanner reported a failure", retryable: false };
    }
  }

  /** The re-scan is over: later posts are refused. A blob already gone is fine. */
  async close(scanId: string): Promise<void> {
    for (const name of [REPORT, REQUEST]) {
      await this.container.getBlockBlobClient(`${scanId}/${name}`).deleteIfExists();
    }
  }

  private async request(scanId: string): Promise<StoredRequest | undefined> {
    try {
      const stored = await this.container.getBlockBlobClient(`${scanId}/${REQUEST}`).downloadToBuffer();
      const parsed = JSON.parse(stored.toString("utf8")) as unknown;
      const candidate = parsed as Partial<StoredRequest> | null;
      if (candidate?.version !== 1 || typeof candidate.callbackTokenHash !== "string") return undefined;
      return candidate as StoredRequest;
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }
}
