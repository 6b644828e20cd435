import type { DurableClient } from "durable-functions";
import { acceptCallbackReport } from "../scanning/queue/index.js";
import { SCAN_REPORT_EVENT } from "./orchestrator.js";
import { findInstance } from "./start.js";
import { judgeReport } from "./steps/scan.js";
import type { GateServices } from "./services.js";
import type { PipelineStatus, ScanReportEvent } from "./types.js";

export class ScanReportRejected extends Error {
  override readonly name = "ScanReportRejected";
  constructor(
    readonly status: 401 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** Scan ids are `<instanceId>.<n>.<guid>` so the callback finds its pipeline without a lookup table. */
export function instanceOfScan(scanId: string): string | undefined {
  const m = /^(qp-[0-9a-f]{40})\.\d+\.[0-9a-f]{8}$/.exec(scanId);
  return m?.[1];
}

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
  const instanceId = instanceOfScan(scanId);
  if (!instanceId) throw new ScanReportRejected(404, `no scan ${scanId}`);
  const status = await findInstance(client, instanceId);
  const pending = (status?.customStatus as PipelineStatus | undefined)?.pendingScan;
  if (!status || String(status.runtimeStatus) !== "Running" || pending?.scanId !== scanId) {
    throw new ScanReportRejected(
      409,
      `scan ${scanId} is not waiting for a report (already reported, timed out, or unknown)`,
    );
  }
  const accepted = acceptCallbackReport({ authorization, expectedTokenHash: pending.callbackTokenHash, body });
  if (!accepted.accepted) throw new ScanReportRejected(401, "the callback token is missing or wrong");
  if (!(await services.scanLedger.claim(instanceId, scanId, now)))
    throw new ScanReportRejected(409, `scan ${scanId} already has its report`);
  const event: ScanReportEvent = {
    scanId,
    result: judgeReport(services, pending.image, accepted.outcome, now.toISOString()),
  };
  await client.raiseEvent(instanceId, SCAN_REPORT_EVENT, event);
  return event;
}
