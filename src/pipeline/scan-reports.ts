import type { DurableClient } from "durable-functions";
import { acceptCallbackReport } from "../scanning/queue/index.js";
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
import { judgeReport } from "./steps/scan.js";
import type { GateServices } from "./services.js";

/**
 * An external scanner's report for one scan: the per-scan token must match the hash the waiting pipeline published
 * (single use: once the pipeline has the report it stops publishing it), the report is normalised and judged here, and
 * only the compact verdict goes to the pipeline as a ScanReport event.
 */
export async function acceptScanReport(
  client: DurableClient,
  services: Pick<GateServices, "policy" | "policyVersion" | "scanLedger">,
  scanId: string,
  authorization: string | null,
  body: Uint8Array,
  now: Date,
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
  const accepted = acceptCallbackReport({ authorization, expectedTokenHash: pending.callbackTokenHash, body });
  if (!accepted.accepted) throw new CallbackTokenRejectedError("the callback token is missing or wrong");
  if (!(await services.scanLedger.claim(instanceId, scanId, now)))
    throw new ScanAlreadyReportedError(`scan ${scanId} already has its report`);
  const event: ScanReportEvent = {
    scanId,
    result: judgeReport(services, pending.image, accepted.outcome, now.toISOString()),
  };
  await raiseEvent(client, instanceId, EVENT.scanReport, event);
  return event;
}
