import type { OrchestrationContext, Task } from "durable-functions";
import {
  ACTIVITY,
  callActivity,
  type InspectedArtifact,
  type PipelineInput,
  type PipelineOutcome,
} from "../contract/index.js";
import { DecisionNotWrittenError } from "../errors.js";
import { artifactDecision } from "./rules.js";
import type { Publish } from "./status.js";

/**
 * The pipeline of a manifest the inspection found to be an OCI artifact, not an image (docs/pipeline.md "The gate's
 * own referrers"): nothing is scanned. The gate's own attestation, verified by the inspection against the gate's key,
 * of an image the gate decided is released (the write is read back, as for images); anything else is left
 * quarantined, and the instance completes (so the sweep reports it as ended pending rather than restarting it). No
 * notification (they are about images), and no attestation of its own: attesting a referrer would push referrers of
 * the referrer, without end.
 */
export function* settleArtifact(
  context: OrchestrationContext,
  input: PipelineInput,
  artifact: InspectedArtifact,
  publish: Publish,
  record: (outcome: PipelineOutcome) => Task,
): Generator<Task, PipelineOutcome, unknown> {
  const decision = artifactDecision(artifact);
  let outcome: PipelineOutcome;
  if (decision.state === undefined) {
    outcome = { result: "left-quarantined", decidedBy: decision.by, reason: decision.reason };
  } else if (input.mode === "shadow") {
    outcome = { result: "would-pass", decidedBy: decision.by, reason: decision.reason };
  } else {
    publish("releasing");
    try {
      // No verdict and no status link: the details are then exactly those the attestation activity writes.
      yield callActivity(context, ACTIVITY.writeRegistryDecision, {
        image: input.image,
        state: decision.state,
        reason: decision.reason,
      });
    } catch (error) {
      const message = `release as ${decision.state} failed: ${(error as Error).message}`;
      yield record({ result: "left-quarantined", decidedBy: decision.by, reason: message });
      publish("release-failed", { error: message });
      throw new DecisionNotWrittenError(message);
    }
    outcome = { result: decision.state, decidedBy: decision.by, reason: decision.reason };
  }
  publish("recording");
  yield record(outcome);
  publish("done", { outcome: outcome.result });
  return outcome;
}
