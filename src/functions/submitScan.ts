import * as df from "durable-functions";
import { ACTIVITIES } from "../pipeline/orchestrator.js";
import { gateServices } from "../pipeline/services.js";
import { submitScan, type SubmitScanInput } from "../pipeline/steps/scan.js";
import type { ScanSubmission } from "../pipeline/types.js";

export async function submitScanActivity(input: unknown): Promise<ScanSubmission> {
  return submitScan(gateServices(), input as SubmitScanInput);
}

df.app.activity(ACTIVITIES.submitScan, { handler: submitScanActivity });
