import { isRestError } from "@azure/core-rest-pipeline";

/**
 * Is this error the app's storage being out of reach, so that the same request may succeed later (503 +
 * Retry-After), rather than a fault of the request or of the app?
 *
 * - No answer at all: @azure/core-rest-pipeline (under @azure/data-tables, @azure/storage-queue) reports a request it
 *   could not send as a RestError without `statusCode` whose `code` is the Node error's code (ECONNREFUSED,
 *   ECONNRESET, …) or RestError.REQUEST_SEND_ERROR (@typespec/ts-http-runtime nodeHttpClient.ts `toRequestSendError`,
 *   which @azure/core-rest-pipeline re-exports), after its own retries.
 * - An answer that says so: Azure Storage's 503 ServerBusy ("The server is currently unable to receive requests")
 *   and 500 OperationTimedOut / InternalError (Microsoft Learn, "Common REST API error codes",
 *   https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes).
 */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "REQUEST_SEND_ERROR",
]);
const BUSY = new Set(["ServerBusy", "OperationTimedOut", "InternalError"]);

export function isStorageUnavailable(error: unknown): boolean {
  if (!isRestError(error)) return false;
  if (error.statusCode === undefined) return error.code !== undefined && UNREACHABLE.has(error.code);
  if (error.statusCode === 503) return true;
  return error.statusCode === 500 && error.code !== undefined && BUSY.has(error.code);
}

/** Seconds a caller is asked to wait before trying again when storage is out of reach. */
export const STORAGE_RETRY_AFTER_SECONDS = 10;
