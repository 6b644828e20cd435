import { isRestError } from "@azure/core-rest-pipeline";
import { AcrError, AcrRequestError, AcrThrottledError } from "../../acr/index.js";
import { ScannerError } from "../../scanning/harbor/errors.js";

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

// A registry that is down or busy, as the scanner's error message reports it. Trivy pulls through
// go-containerregistry, whose transport.Error reads "unexpected status code <n> <text>" or "<CODE>: <message>", and
// which itself treats the statuses 408, 500, 502, 503, 504 and the codes TOOMANYREQUESTS, UNKNOWN, UNAVAILABLE as
// temporary (google/go-containerregistry @ 19dfe23, pkg/v1/remote/transport/error.go: responseErr, temporaryStatusCodes,
// temporaryErrorCodes); 429 is the HTTP form of TOOMANYREQUESTS. Other clients (the local scanner emulator among
// them) say "answered|returned|responded <status>".
const TRANSIENT_STATUS = String.raw`(?:408|429|5\d\d)`;
const TRANSIENT_PATTERNS: readonly RegExp[] = [
  new RegExp(String.raw`\bunexpected status code ${TRANSIENT_STATUS}\b`, "i"),
  new RegExp(String.raw`\b(?:status(?: code)?|answered|returned|responded(?: with)?)[:\s]+${TRANSIENT_STATUS}\b`, "i"),
  // Diagnostic codes in go-containerregistry's "<CODE>: <message>" form; MANIFEST_UNKNOWN and friends do not match.
  /(?<![A-Z_])(?:TOOMANYREQUESTS|UNAVAILABLE|UNKNOWN): /,
  /\b(?:Service Unavailable|Bad Gateway|Gateway Timeout|Too Many Requests)\b/i,
  // The network: Go's net errors and Node's error codes for a connection that failed or timed out.
  /\b(?:i\/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout exceeded|connection refused|connection reset by peer|aborted due to timeout|timed out)\b/i,
  /\b(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET)\b/,
];

/**
 * Whether the message of a scan the scanner reports as failed names a transient cause. The Harbor protocol's report
 * answer 500 only says the scan failed (harbor-scanner-adapter-openapi-v1.2.yaml, GetScanReport), so the adapter's
 * message is all there is to go on: Harbor's Trivy adapter answers a failed job with 500 and the job's error as the
 * message (aquasecurity/harbor-scanner-trivy, pkg/http/api/v1/handler.go, GetScanReport), and that error is
 * "running trivy wrapper: running trivy: exit status N: <Trivy's stderr>" (pkg/scan/controller.go), where Trivy's
 * registry errors are go-containerregistry's. Anything not recognised is definitive. A definitive failure whose
 * message happens to match is only tried again until the deadline, which then ends it: never a pass.
 */
export function isTransientScanFailure(message: string): boolean {
  return TRANSIENT_PATTERNS.some((pattern) => pattern.test(message));
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
