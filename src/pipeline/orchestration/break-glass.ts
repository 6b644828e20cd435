import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { ACTIVITY, callActivity, type BreakGlassInput, type PipelineOutcome } from "../contract/index.js";
import { approverName } from "./rules.js";

/**
 * Releases an image whose verdict failed, on the word of a person holding Quarantine.Override and a justification
 * (checked by the approvals function before this starts). Audited like every other decision, as an override.
 */
export const breakGlassRelease: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<BreakGlassInput>();
  const by = approverName(input.decision);
  const reason = `break-glass override: ${input.decision.reason}`;
  let outcome: PipelineOutcome;
  if (input.pipeline.mode === "shadow") {
    outcome = { result: "would-pass", verdict: input.verdict, decidedBy: by, reason, override: true };
  } else {
    yield callActivity(context, ACTIVITY.writeRegistryDecision, {
      image: input.pipeline.image,
      state: "Passed",
      reason,
      verdict: input.verdict,
      statusUrl: input.pipeline.statusUrl,
    });
    outcome = { result: "Passed", verdict: input.verdict, decidedBy: by, reason, override: true };
  }
  yield callActivity(context, ACTIVITY.recordDecision, {
    input: input.pipeline,
    outcome,
    instanceId: context.df.instanceId,
    at: context.df.currentUtcDateTime.toISOString(),
  });
  return outcome;
};
