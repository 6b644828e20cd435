import type { DurableClient } from "durable-functions";
import { Ajv } from "ajv";
import {
  acceptCallbackReport,
  callbackTokenMatches,
  isScanFailureMediaType,
  MAX_SCAN_FAILURE_BYTES,
  RETRYABLE_SCAN_FAILURE_CODES,
  scanFailureReportSchema,
  type ScanFailureReport,
} from "../scanning/queue/index.js";
import {
  EVENT,
  isRunning,
  pipelineOfScan,
  raiseEvent,
  type PipelineStatus,
  type ScanReportEvent,
} from "./contract/index.js";
import {
  CallbackTokenRejectedError,
  ScanAlreadyReportedError,
  ScanNotAwaitingReportError,
  UnknownScanError,
} from "./errors.js";
import { findInstance } from "./instances.js";
import { judgeReport } from "./steps/judge-report.js";
import type { GateServices } from "./services.js";

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

/**
 * An external scanner's report for one scan: the per-scan token must match the hash the waiting pipeline published
 * (single use: once the pipeline has the report it stops publishing it), the report is normalised and judged here, and
 * only the compact verdict goes to the pipeline as a ScanReport event.
 */
export async function acceptScanReport(
  client: DurableClient,
  services: Pick<GateServices, "policy" | "policyVersion" | "scanLedger" | "vex" | "findings">,
  scanId: string,
  authorization: string | null,
  body: Uint8Array,
  now: Date,
  contentType: string | null = null,
): Promise<ScanReportEvent> {
  const instanceId = pipelineOfScan(scanId);
  if (!instanceId) throw new UnknownScanError(`no scan ${scanId}`);
  const status = await findInstance(client, instanceId);
  const pending = (status?.customStatus as PipelineStatus | undefined)?.pendingScan;
  if (!status || !isRunning(status.runtimeStatus) || pending?.scanId !== scanId) {
    throw new ScanNotAwaitingReportError(
      `scan ${scanId} is not waiting for a report (already reported, timed out, or unknown)`,
    );
  }
  // An explicit failure ends the scan at once as scan-failed (the orchestrator's "failed" result): no verdict, the
  // image stays quarantined; a retryable one (registry-unavailable) makes the pipeline scan again after its backoff.
  // It is authenticated and made single-use exactly as a report is.
  if (isScanFailureMediaType(contentType)) {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (!callbackTokenMatches(presented, pending.callbackTokenHash))
      throw new CallbackTokenRejectedError("the callback token is missing or wrong");
    if (!(await services.scanLedger.claim(instanceId, scanId, now)))
      throw new ScanAlreadyReportedError(`scan ${scanId} already has its report`);
    const failed: ScanReportEvent = { scanId, result: { state: "failed", ...describeScanFailure(body) } };
    await raiseEvent(client, instanceId, EVENT.scanReport, failed);
    return failed;
  }
  const accepted = acceptCallbackReport({ authorization, expectedTokenHash: pending.callbackTokenHash, body });
  if (!accepted.accepted) throw new CallbackTokenRejectedError("the callback token is missing or wrong");
  // Judged before the scan is claimed: if the VEX container cannot be read, or the findings rows cannot be stored,
  // this throws (503 to the scanner, which posts again), and the report is not lost to a claim that never raised its
  // event.
  const result = await judgeReport(services, pending.image, accepted.outcome, now.toISOString());
  if (!(await services.scanLedger.claim(instanceId, scanId, now)))
    throw new ScanAlreadyReportedError(`scan ${scanId} already has its report`);
  const event: ScanReportEvent = { scanId, result };
  await raiseEvent(client, instanceId, EVENT.scanReport, event);
  return event;
}
