/**
 * Whether a failed scan's message names a transient cause: the registry down or busy while the scanner pulled, or the
 * network. Shared by the gate (the Harbor adapter's failed scans, src/pipeline/steps/scan-failures.ts) and the scan
 * worker (Trivy's stderr, scanner-worker/), so both retry the same failures. Self-contained (no imports): the worker's
 * image carries it.
 */

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
