import * as df from "durable-functions";
import { ACTIVITIES } from "../pipeline/orchestrator.js";
import { gateServices } from "../pipeline/services.js";
import { setQuarantineState } from "../pipeline/steps/release.js";
import type { ReleaseRequest, ReleaseResult } from "../pipeline/types.js";

export async function setQuarantineStateActivity(request: unknown): Promise<ReleaseResult> {
  return setQuarantineState(gateServices(), request as ReleaseRequest);
}

df.app.activity(ACTIVITIES.release, { handler: setQuarantineStateActivity });
