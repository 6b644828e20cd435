import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import {
  ACTIVITY,
  breakGlassRequestId,
  callActivity,
  notifier,
  pipelineInstanceId,
  verdictFacts,
  type BreakGlassInput,
  type PipelineOutcome,
} from "../contract/index.js";
import {
  REEVALUATION_ACTIVITY,
  callReevaluationActivity,
  type ReevaluateImageResult,
} from "../contract/reevaluation.js";
import { DecisionNotWrittenError } from "../errors.js";
import { approverName } from "./rules.js";
import { statusPublisher } from "./status.js";
import { attestDecision } from "./attest-phase.js";

/**
 * Releases an image whose verdict failed, on the word of a person holding Quarantine.Override and a justification
 * (checked by the approvals function before this starts). Audited like every other decision, as an override
 * (`overridden`), or as `left-quarantined` when the registry refuses the write. Its custom status says what it
 * overrides, by whom and why.
 *
 * Idempotent per image and request: its instance id is derived from the request (breakGlassInstanceId), the write
 * sends no PATCH when the registry already shows this release, and its audit records are keyed by the pipeline and
 * the request, so the same request, even run by a second instance, leaves one record.
 */
export const breakGlassRelease: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<BreakGlassInput>();
  const by = approverName(input.decision);
  // The expiry is part of what the audit, the registry's quarantine details and the status say about the override.
  const reason = `break-glass override: ${input.decision.reason}${input.expiresAt !== undefined ? ` (expires ${input.expiresAt})` : ""}`;
  const overrides = pipelineInstanceId(input.pipeline.image);
  const auditKey = { scope: overrides, identity: `break-glass:${breakGlassRequestId(input.decision)}` };
  const publish = statusPublisher(context, input.pipeline);
  const record = (outcome: PipelineOutcome): Task =>
    callActivity(context, ACTIVITY.recordDecision, {
      input: input.pipeline,
      outcome,
      instanceId: context.df.instanceId,
      at: context.df.currentUtcDateTime.toISOString(),
      auditKey,
    });
  // Notifications (docs/notifications.md): this release's own instance and start time name its events.
  const notify = notifier(context, input.pipeline, context.df.currentUtcDateTime.toISOString());
  const facts = { ...verdictFacts(input.verdict), actor: by, reason, override: true, overrides };
  publish("releasing", {
    overrides,
    verdict: input.verdict,
    decision: { by, approve: true, reason, at: input.decision.decidedAt, override: true },
    ...(input.expiresAt !== undefined ? { breakGlassExpiresAt: input.expiresAt } : {}),
  });
  yield* notify("breakglass.used", facts);

  let outcome: PipelineOutcome;
  if (input.pipeline.mode === "shadow") {
    outcome = { result: "would-pass", verdict: input.verdict, decidedBy: by, reason, override: true };
  } else {
    try {
      yield callActivity(context, ACTIVITY.writeRegistryDecision, {
        image: input.pipeline.image,
        state: "Passed",
        reason,
        verdict: input.verdict,
        statusUrl: input.pipeline.statusUrl,
      });
    } catch (error) {
      const message = `break-glass release failed: ${(error as Error).message}`;
      yield record({ result: "left-quarantined", verdict: input.verdict, decidedBy: by, reason: message });
      yield* notify("image.left-quarantined", { ...facts, reason: message });
      publish("release-failed", { error: message });
      throw new DecisionNotWrittenError(message);
    }
    outcome = { result: "Passed", verdict: input.verdict, decidedBy: by, reason, override: true };
  }
  publish("recording");
  yield record(outcome);
  // The signed decision is attached first, so whoever the notification reaches can verify it.
  yield* attestDecision(context, {
    image: input.pipeline.image,
    outcome,
    instanceId: context.df.instanceId,
    at: context.df.currentUtcDateTime.toISOString(),
    decisionKey: auditKey,
  });
  if (outcome.result === "Passed") yield* notify("image.released", facts);
  if (outcome.result === "Passed" && input.expiresAt !== undefined) {
    yield* expire(context, input, publish);
    return outcome;
  }
  publish("done", { outcome: outcome.result });
  return outcome;
};

/**
 * Break-glass reverts itself: at `expiresAt` the image is judged again (a fresh scan under today's policy); anything
 * but a pass (a failing verdict, one that needs approval, or no usable judgement: fail closed) blocks it again with
 * the manifest lock and Failed (src/reevaluate/enforce.ts), audited; a pass leaves it released.
 */
function* expire(
  context: OrchestrationContext,
  input: BreakGlassInput,
  publish: ReturnType<typeof statusPublisher>,
): Generator<Task, void, unknown> {
  const expiresAt = new Date(input.expiresAt as string);
  publish("awaiting-expiry", { outcome: "Passed", breakGlassExpiresAt: expiresAt.toISOString() });
  if (context.df.currentUtcDateTime < expiresAt) yield context.df.createTimer(expiresAt);
  const now = context.df.currentUtcDateTime.toISOString();
  const runId = `break-glass-${context.df.instanceId}`;
  let result: ReevaluateImageResult | undefined;
  try {
    result = (yield callReevaluationActivity(context, REEVALUATION_ACTIVITY.reevaluateImage, {
      runId,
      image: input.pipeline.image,
      now,
      purpose: "break-glass-expiry",
    })) as ReevaluateImageResult;
  } catch {
    result = undefined;
  }
  if (result?.decision === "pass") return void publish("expired", { breakGlassExpiry: "still-released" });
  try {
    yield callReevaluationActivity(context, REEVALUATION_ACTIVITY.enforceRemediation, {
      runId,
      image: input.pipeline.image,
      action: "block",
      reason: `break-glass override expired at ${expiresAt.toISOString()}: ${result === undefined ? "the image could not be judged again" : `fresh verdict ${result.decision}; ${result.summary}`}`,
      now,
    });
    publish("expired", { breakGlassExpiry: "reblocked" });
  } catch (error) {
    publish("expired", { breakGlassExpiry: "reblock-failed", error: (error as Error).message });
    throw new DecisionNotWrittenError(`break-glass expiry could not block the image: ${(error as Error).message}`);
  }
}
