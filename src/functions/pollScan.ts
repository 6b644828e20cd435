import * as df from "durable-functions";
import { ACTIVITIES } from "../pipeline/orchestrator.js";
import { gateServices } from "../pipeline/services.js";
import { pollScan } from "../pipeline/steps/scan.js";
import type { ImageKey } from "../pipeline/image-key.js";
import type { ScanPoll } from "../pipeline/types.js";

export async function pollScanActivity(input: unknown): Promise<ScanPoll> {
  return pollScan(gateServices(), input as { image: ImageKey; scanId: string; now: string });
}

df.app.activity(ACTIVITIES.pollScan, { handler: pollScanActivity });
