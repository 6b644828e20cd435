import type { DurableClient } from "durable-functions";
import {
  acceptCallbackReport,
  callbackTokenMatches,
  describeScanFailure,
  isScanFailureMediaType,
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

export { describeScanFailure };

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
