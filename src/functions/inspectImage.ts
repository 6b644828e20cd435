import * as df from "durable-functions";
import { ACTIVITIES } from "../pipeline/orchestrator.js";
import { gateServices } from "../pipeline/services.js";
import { inspectImage } from "../pipeline/steps/inspect-image.js";
import type { ImageKey } from "../pipeline/image-key.js";
import type { InspectResult } from "../pipeline/types.js";

export async function inspectImageActivity(image: unknown): Promise<InspectResult> {
  return inspectImage(gateServices(), image as ImageKey);
}

df.app.activity(ACTIVITIES.inspect, { handler: inspectImageActivity });
