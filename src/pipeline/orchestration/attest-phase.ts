import type { OrchestrationContext, Task } from "durable-functions";
import { ACTIVITY, callActivity, type AttestDecisionInput } from "../contract/index.js";

/**
 * After a final decision is written and recorded: push its scan report and signed decision as referrers of the image
 * (src/attest/). Only Passed and Failed are final decisions (an override is a Passed); shadow outcomes, an image
 * already decided and one left quarantined get none. The decision is made and written before this runs, so an
 * attestation that fails after every retry changes nothing about it: the failure is in the activity's log line and
 * the instance still ends with its outcome (docs/attestations.md "When attesting fails").
 */
export function* attestDecision(context: OrchestrationContext, input: AttestDecisionInput): Generator<Task, void> {
  if (input.outcome.result !== "Passed" && input.outcome.result !== "Failed") return;
  try {
    yield callActivity(context, ACTIVITY.attestDecision, input);
  } catch {
    // Logged by the activity (src/observability); the registry decision stands either way.
  }
}
