import { DEFAULT_MAX_REPORT_BYTES } from "../normalise/detect.js";
import type { ImageToScan, PullTokenSource } from "../pull-token.js";
import { issueCallbackToken } from "./callback-token.js";
import { encodeQueueMessage, SCAN_REQUEST_TYPE, type ScanRequestMessage } from "./message.js";

/** The part of @azure/storage-queue's QueueClient the dispatcher uses; a QueueClient satisfies it as it is. */
export interface QueueSender {
  sendMessage(messageText: string): Promise<unknown>;
}

export interface QueueDispatcherOptions {
  queue: QueueSender;
  /** Pull tokens for the scanner; leave out when external scanners have registry access of their own. */
  pullTokens?: PullTokenSource;
  /** The scanReports endpoint; the scan id is appended as a path segment. Must be https. */
  callbackBaseUrl: string;
  maxReportBytes?: number;
}

export interface DispatchedScan {
  scanId: string;
  /** Keep this (not the token) to authenticate the scanner's callback with callbackTokenMatches. */
  callbackTokenHash: string;
}

/**
 * Hands a scan to an external scanner through an Azure Storage queue. One call is one activity: it puts one message
 * on the queue; the report comes back later through the HTTP callback, authenticated by the per-scan token.
 */
export class QueueScanDispatcher {
  private readonly callbackBase: URL;

  constructor(private readonly options: QueueDispatcherOptions) {
    const base = new URL(
      options.callbackBaseUrl.endsWith("/") ? options.callbackBaseUrl : `${options.callbackBaseUrl}/`,
    );
    // The callback token travels to this URL in the scanner's requests: never in clear text over a network. Plain
    // HTTP is accepted only on loopback, where the local stack's Functions host listens.
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(base.hostname);
    if (base.protocol !== "https:" && !(base.protocol === "http:" && loopback))
      throw new RangeError(`the scan callback URL must be https, not ${base.protocol}`);
    this.callbackBase = base;
  }

  /**
   * `scanId` comes from the orchestration (deterministic); `now` is the orchestrator's time, passed in. `beforeSend`
   * runs once the token exists and before the message is on the queue: a caller that must be ready for the callback
   * (the re-scan inbox stores the token's hash) does that there, since a fast scanner may answer at once.
   */
  async dispatch(
    image: ImageToScan,
    scanId: string,
    now: Date,
    beforeSend?: (scan: DispatchedScan) => Promise<void>,
  ): Promise<DispatchedScan> {
    if (!/^[A-Za-z0-9._~-]{1,128}$/.test(scanId))
      throw new RangeError(`scan id ${JSON.stringify(scanId)} is not a safe path segment`);
    const callbackToken = issueCallbackToken();
    const message: ScanRequestMessage = {
      type: SCAN_REQUEST_TYPE,
      version: 1,
      scanId,
      image,
      callback: { url: new URL(encodeURIComponent(scanId), this.callbackBase).href, token: callbackToken.token },
      acceptedFormats: ["trivy-json", "sarif", "harbor"],
      maxReportBytes: this.options.maxReportBytes ?? DEFAULT_MAX_REPORT_BYTES,
      requestedAt: now.toISOString(),
    };
    if (this.options.pullTokens !== undefined) {
      const token = await this.options.pullTokens.pullToken(image.loginServer, image.repository);
      message.registry = { url: `https://${image.loginServer}`, authorization: `Bearer ${token}` };
    }
    const dispatched = { scanId, callbackTokenHash: callbackToken.hash };
    await beforeSend?.(dispatched);
    await this.options.queue.sendMessage(encodeQueueMessage(message));
    return dispatched;
  }
}
