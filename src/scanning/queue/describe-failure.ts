import { Ajv } from "ajv";
import {
  MAX_SCAN_FAILURE_BYTES,
  RETRYABLE_SCAN_FAILURE_CODES,
  scanFailureReportSchema,
  type ScanFailureReport,
} from "./scan-failure.js";

const validateFailure = new Ajv({ strict: true }).compile<ScanFailureReport>(scanFailureReportSchema);

/**
 * What the pipeline records for a scanner's explicit failure (Content-Type application/vnd.acr-quarantine-gate.scan-failure+json).
 * A failure the gate cannot read is still a failure: the scanner said so, and no verdict comes of it either way. Only a
 * readable `registry-unavailable` is retryable (the gate scans again inside its deadline); anything else ends the scan.
 */
export function describeScanFailure(body: Uint8Array): { error: string; retryable: boolean } {
  if (body.byteLength > MAX_SCAN_FAILURE_BYTES)
    return { error: "the scanner reported a failure (its description is too large to read)", retryable: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return { error: "the scanner reported a failure (its description is not JSON)", retryable: false };
  }
  if (!validateFailure(parsed))
    return { error: "the scanner reported a failure (its description does not follow the contract)", retryable: false };
  return {
    error: `${parsed.failure.code}: ${parsed.failure.reason}`,
    retryable: RETRYABLE_SCAN_FAILURE_CODES.has(parsed.failure.code),
  };
}
