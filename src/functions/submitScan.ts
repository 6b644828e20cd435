import * as df from "durable-functions";
import { ACTIVITIES } from "../pipeline/orchestrator.js";
import { gateServices } from "../pipeline/services.js";
import { submitScan } from "../pipeline/steps/scan.js";
import type { ImageKey } from "../pipeline/image-key.js";
import type { ScanSubmission } from "../pipeline/types.js";

export async function submitScanActivity(input: unknown): Promise<ScanSubmission> {
  return submitScan(gateServices(), input as { image: ImageKey; tag?: string; mediaType?: string });
}

df.app.activity(ACTIVITIES.submitScan, { handler: submitScanActivity });
