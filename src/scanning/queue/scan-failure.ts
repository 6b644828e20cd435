/**
 * The callback contract for a scan that produced no report. A scanner POSTs this to the scan's callback URL, with the
 * same `Authorization: Bearer <callback token>` as a report, instead of a report:
 *
 *   POST {callback.url}
 *   Content-Type: application/vnd.acr-quarantine-gate.scan-failure+json
 *   { "failure": { "code": "trivy-timeout", "reason": "...", "occurredAt": "2026-...Z", ... } }
 *
 * The gate answers as it does for a report: 202 accepted, 401 wrong token, 404 unknown scan, 409 already reported (or
 * no longer waiting). An accepted failure ends the scan at once as scan-failed (no verdict, the image stays
 * quarantined), except `registry-unavailable`, after which the gate scans again inside its scan deadline.
 *
 * Self-contained on purpose (no imports): it is meant to move to src/scanning/queue/ so the gate and the worker share
 * one definition.
 */

/** A vendor media type, so a failure can never be mistaken for (or parsed as) a report. */
export const SCAN_FAILURE_MEDIA_TYPE = "application/vnd.acr-quarantine-gate.scan-failure+json";

/** Far more than a failure needs; the gate reads no more than this before validating. */
export const MAX_SCAN_FAILURE_BYTES = 16 * 1024;

export const SCAN_FAILURE_CODES = [
  /** The scanner exited non-zero (exitCode says how). */
  "scanner-exit",
  /** The scanner ran past the worker's scan timeout and was killed. */
  "scanner-timeout",
  /** The scanner exited 0 but printed no usable JSON report. */
  "scanner-bad-output",
  /** The report is larger than the request's maxReportBytes (or the gate refused it with 413). */
  "report-too-large",
  /** The request was received more than the worker's maximum dequeue count and was moved to the poison queue. */
  "poison",
  /** The request carries no pull token and the worker has no registry access of its own. */
  "no-registry-credentials",
  /** The request asks for something the worker will not do (e.g. a pull token for another registry). */
  "unsafe-request",
  /**
   * The registry did not answer while the scanner pulled (a 5xx or 429, a timeout, a refused connection): transient.
   * The only code the gate retries: it scans again (a new scan request) inside its scan deadline.
   */
  "registry-unavailable",
] as const;

/** The failures that end nothing: the gate starts the scan again after its backoff, inside the scan deadline. */
export const RETRYABLE_SCAN_FAILURE_CODES: ReadonlySet<ScanFailureCode> = new Set(["registry-unavailable"]);

export type ScanFailureCode = (typeof SCAN_FAILURE_CODES)[number];

export interface ScanFailureReport {
  failure: {
    code: ScanFailureCode;
    /** For people: what happened, at most 2,000 characters, never a secret. */
    reason: string;
    occurredAt: string;
    scanner?: { name: string; version?: string };
    /** For scanner-exit. */
    exitCode?: number;
    /** For poison: how often the queue handed the request out. */
    dequeueCount?: number;
  };
}

export const MAX_FAILURE_REASON_CHARS = 2000;

/** JSON Schema of the body, for the gate's validation and for scanner authors. */
export const scanFailureReportSchema = {
  type: "object",
  additionalProperties: false,
  required: ["failure"],
  properties: {
    failure: {
      type: "object",
      additionalProperties: false,
      required: ["code", "reason", "occurredAt"],
      properties: {
        code: { enum: [...SCAN_FAILURE_CODES] },
        reason: { type: "string", minLength: 1, maxLength: MAX_FAILURE_REASON_CHARS },
        occurredAt: { type: "string", minLength: 1, maxLength: 64 },
        scanner: {
          type: "object",
          additionalProperties: false,
          required: ["name"],
          properties: { name: { type: "string", maxLength: 100 }, version: { type: "string", maxLength: 100 } },
        },
        exitCode: { type: "integer" },
        dequeueCount: { type: "integer", minimum: 0 },
      },
    },
  },
} as const;

/** True when a Content-Type header names the failure media type (parameters such as charset are ignored). */
export function isScanFailureMediaType(contentType: string | null | undefined): boolean {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase() === SCAN_FAILURE_MEDIA_TYPE;
}
