import * as df from "durable-functions";
import { ACTIVITIES } from "../pipeline/orchestrator.js";
import { gateServices } from "../pipeline/services.js";
import { recordDecision } from "../pipeline/steps/record-decision.js";
import type { PipelineInput, PipelineOutcome } from "../pipeline/types.js";

export async function recordDecisionActivity(input: unknown): Promise<void> {
  await recordDecision(
    gateServices(),
    input as { input: PipelineInput; outcome: PipelineOutcome; instanceId: string; at: string },
  );
}

df.app.activity(ACTIVITIES.record, { handler: recordDecisionActivity });
