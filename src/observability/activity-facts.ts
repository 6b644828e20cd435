import type { ActivityPayloads } from "../pipeline/contract/activities.js";
import { pipelineOfScan } from "../pipeline/contract/ids.js";
import { imageReference } from "../pipeline/contract/image.js";
import type { Stage } from "../pipeline/contract/payloads.js";
import type { GateEvent } from "./event-line.js";

type Name = keyof ActivityPayloads;
type Facts = Pick<GateEvent, "instanceId" | "image" | "result" | "findings">;

interface ActivityFacts<N extends Name> {
  stage: Stage;
  /** What the input says: the image, and the instance when the input carries it. */
  input(input: ActivityPayloads[N]["input"]): Facts;
  /** A short result; counts, states and decisions only, never report content. */
  output(output: ActivityPayloads[N]["output"]): Facts;
}

const none = (): Facts => ({});

/** attemptNotification and deliverNotification: one send of one event to one sink (their outcomes differ in name only). */
const sendAttemptFacts: ActivityFacts<"attemptNotification"> & ActivityFacts<"deliverNotification"> = {
  stage: "recording",
  input: (input: ActivityPayloads["attemptNotification"]["input"]) => ({
    image: input.request.image.digest ? imageReference(input.request.image) : undefined,
    result: `${input.request.type} to ${input.sink}`,
  }),
  output: (result: { outcome: string; error?: string }) => ({
    result: result.error ? `${result.outcome}: ${result.error}` : result.outcome,
  }),
};

/** Per activity of the contract: the stage it belongs to and the facts its payloads give an event line. */
export const ACTIVITY_FACTS: { [N in Name]: ActivityFacts<N> } = {
  inspectImage: {
    stage: "inspecting",
    input: (image) => ({ image: imageReference(image) }),
    output: (inspected) => ({ result: inspected.quarantineState ?? "no-state" }),
  },
  submitScan: {
    stage: "scanning",
    input: (input) => ({ image: imageReference(input.image), instanceId: pipelineOfScan(input.scanId) }),
    output: (submission) => ({ result: submission.mode }),
  },
  pollScan: {
    stage: "scanning",
    input: (input) => ({ image: imageReference(input.image), instanceId: pipelineOfScan(input.scanId) }),
    output: (poll) =>
      poll.state === "done"
        ? { result: poll.verdict.decision, findings: poll.verdict.findings }
        : { result: poll.state },
  },
  writeRegistryDecision: {
    stage: "releasing",
    input: (request) => ({ image: imageReference(request.image) }),
    output: (written) => ({ result: written.confirmedState }),
  },
  recordDecision: {
    stage: "recording",
    input: (input) => ({ image: imageReference(input.input.image), instanceId: input.instanceId }),
    output: none,
  },
  confirmApprovalDecision: {
    stage: "awaiting-approval",
    input: (input) => ({ image: imageReference(input.round.image), instanceId: input.round.instanceId }),
    output: (confirmation) => ({ result: confirmation.counted ? "counted" : "not-counted" }),
  },
  settleApprovalDeadline: {
    stage: "awaiting-approval",
    input: (round) => ({ image: imageReference(round.image), instanceId: round.instanceId }),
    output: (settlement) => ({ result: settlement.kind }),
  },
  notify: {
    // Notifications tell what was recorded; they have no stage of their own in the status.
    stage: "recording",
    input: (request) => ({
      image: imageReference(request.image),
      instanceId: request.instanceId,
      result: request.type,
    }),
    output: (result) => ({ result: result.error ?? `sinks ${result.sinks}, delivery started ${result.started}` }),
  },
  // One send attempt, in notifyEvent's rounds or the legacy notifyDelivery: the same facts.
  attemptNotification: sendAttemptFacts,
  deliverNotification: sendAttemptFacts,
  recordNotificationDeadLetter: {
    stage: "recording",
    input: (input) => ({
      image: input.request.image.digest ? imageReference(input.request.image) : undefined,
      result: `${input.request.type} to ${input.sink}`,
    }),
    output: none,
  },
  attestDecision: {
    stage: "recording",
    input: (input) => ({ image: imageReference(input.image), instanceId: input.instanceId }),
    output: (result) => ({ result: result.state }),
  },
};

/**
 * The instance an activity runs for, as the Durable extension binds it: `instanceId` is part of every activity
 * trigger's binding data (azure-functions-durable-extension ActivityTriggerAttributeBindingProvider.cs,
 * `bindingData[InstanceIdBindingPropertyName]`); the host copies binding data into the invocation request's
 * `TriggerMetadata` (azure-functions-host, `foreach (var pair in context.BindingData) invocationRequest.TriggerMetadata
 * .Add(...)`), and @azure/functions hands it over as `context.triggerMetadata` (src/converters/fromRpcTriggerMetadata.ts).
 * The local devhost binds no trigger metadata for activities, so there the input's facts are used.
 */
export function boundInstanceId(triggerMetadata: Record<string, unknown> | undefined): string | undefined {
  const value = triggerMetadata?.instanceId;
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Facts from a payload that may not have the shape its type says (it came from durable history): never throws. */
export function safely(read: () => Facts): Facts {
  try {
    return read();
  } catch {
    return {};
  }
}
