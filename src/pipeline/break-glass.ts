import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import { ACTIVITIES } from "./orchestrator.js";
import type { ApprovalDecision, PipelineInput, PipelineOutcome, ReleaseRequest, VerdictSummary } from "./types.js";

export const BREAK_GLASS_ORCHESTRATOR = "breakGlassRelease";

export interface BreakGlassInput {
  pipeline: PipelineInput;
  verdict?: VerdictSummary;
  decision: ApprovalDecision;
}

const RETRY = new df.RetryOptions(2_000, 5);
RETRY.backoffCoefficient = 2;

/**
 * Releases an image whose verdict failed, on the word of a person holding Quarantine.Override and a justification
 * (checked by the approvals function before this starts). Audited like every other decision.
 */
export const breakGlassRelease: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<BreakGlassInput>();
  const by = `${input.decision.approver.name} (${input.decision.approver.objectId})`;
  const reason = `break-glass override: ${input.decision.reason}`;
  const request: ReleaseRequest = {
    image: input.pipeline.image,
    state: "Passed",
    reason,
    verdict: input.verdict,
    statusUrl: input.pipeline.statusUrl,
  };
  let outcome: PipelineOutcome;
  if (input.pipeline.mode === "shadow") {
    outcome = { result: "would-pass", verdict: input.verdict, decidedBy: by, reason };
  } else {
    yield context.df.callActivityWithRetry(ACTIVITIES.release, RETRY, request);
    outcome = { result: "Passed", verdict: input.verdict, decidedBy: by, reason };
  }
  yield context.df.callActivityWithRetry(ACTIVITIES.record, RETRY, {
    input: input.pipeline,
    outcome,
    instanceId: context.df.instanceId,
    at: context.df.currentUtcDateTime.toISOString(),
  });
  return outcome;
};
