import { isRestError } from "@azure/core-rest-pipeline";
import { AcrError, AcrRequestError, AcrThrottledError } from "../../acr/index.js";
import { ScannerError } from "../../scanning/harbor/errors.js";
import { isTransientScanFailure } from "../../scanning/transient-failure.js";

export { isTransientScanFailure };

/**
 * Which scan failures may pass if the scan is tried again before its deadline (transient), and which end it
 * (definitive). Fail closed either way: a transient failure only buys another attempt within the scan deadline, and
 * the deadline still ends the scan with the image quarantined.
 */

/** A failure the scan steps answer with instead of throwing: what went wrong, and whether trying again may help. */
export interface ScanFailure {
  error: string;
  retryable: boolean;
}

/** Statuses of an Azure SDK call (the scan queue) worth another try: none (no answer), timeout, throttling, 5xx. */
function isTransientStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/**
 * A thrown error of submitting or polling a scan, as a ScanFailure; undefined for anything not known here (the
 * activity then fails and its retry policy applies).
 * - Harbor adapter: ScannerError knows itself whether it is transient (5xx, 429, no answer).
 * - Registry, for the pull token: throttled, 5xx or no answer is transient; refusals (auth, not found) are not.
 * - Scan queue (Azure Storage): no answer, 408, 429 and 5xx are transient; 4xx (auth, bad request) are not.
 */
export function scanFailureOf(error: unknown): ScanFailure | undefined {
  if (error instanceof ScannerError) return { error: error.message, retryable: error.transient };
  if (error instanceof AcrThrottledError) return { error: error.message, retryable: true };
  if (error instanceof AcrRequestError) {
    // The transport's own wording for a request that got no answer after its retries (src/acr/http/transport.ts).
    const noAnswer = error.status === undefined && /failed without an answer/.test(error.message);
    return {
      error: error.message,
      retryable: noAnswer || (error.status !== undefined && isTransientStatus(error.status)),
    };
  }
  if (error instanceof AcrError) return { error: error.message, retryable: false };
  if (isRestError(error)) return { error: error.message, retryable: isTransientStatus(error.statusCode) };
  return undefined;
}
