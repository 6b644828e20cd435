import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { observeActivity } from "../../observability/activity.js";
import type { ImageKey } from "./image.js";
import { ACTIVITY_RETRY } from "./retry.js";
import type {
  DeliverNotificationResult,
  NotificationDeadLetterInput,
  NotificationAttemptInput,
  NotificationAttemptResult,
  NotifyDeliveryInput,
  NotifyRequest,
  NotifyResult,
} from "./notify.js";
import type {
  ApprovalConfirmation,
  ApprovalRound,
  ApprovalSettlement,
  AttestDecisionInput,
  AttestDecisionResult,
  ConfirmApprovalInput,
  InspectResult,
  PollScanInput,
  RecordDecisionInput,
  RegistryDecisionRequest,
  RegistryDecisionResult,
  ScanPoll,
  ScanSubmission,
  SubmitScanInput,
} from "./payloads.js";

/** What each activity takes and gives back: the one place both the orchestrations and the triggers read it from. */
export interface ActivityPayloads {
  inspectImage: { input: ImageKey; output: InspectResult };
  submitScan: { input: SubmitScanInput; output: ScanSubmission };
  pollScan: { input: PollScanInput; output: ScanPoll };
  writeRegistryDecision: { input: RegistryDecisionRequest; output: RegistryDecisionResult };
  recordDecision: { input: RecordDecisionInput; output: void };
  confirmApprovalDecision: { input: ConfirmApprovalInput; output: ApprovalConfirmation };
  settleApprovalDeadline: { input: ApprovalRound; output: ApprovalSettlement };
  notify: { input: NotifyRequest; output: NotifyResult };
  attemptNotification: { input: NotificationAttemptInput; output: NotificationAttemptResult };
  deliverNotification: { input: NotifyDeliveryInput; output: DeliverNotificationResult };
  recordNotificationDeadLetter: { input: NotificationDeadLetterInput; output: void };
  attestDecision: { input: AttestDecisionInput; output: AttestDecisionResult };
}

type Name = keyof ActivityPayloads;

/** Schedules an activity with the one retry policy; the input is checked against the activity's payload type. */
export function callActivity<N extends Name>(
  context: OrchestrationContext,
  name: N,
  input: ActivityPayloads[N]["input"],
): Task {
  return context.df.callActivityWithRetry(name, ACTIVITY_RETRY, input);
}

/** Schedules an activity with a retry policy of its own (the notification delivery's, from its input). */
export function callActivityWithPolicy<N extends Name>(
  context: OrchestrationContext,
  name: N,
  retry: df.RetryOptions,
  input: ActivityPayloads[N]["input"],
): Task {
  return context.df.callActivityWithRetry(name, retry, input);
}

/**
 * Registers an activity's handler under its contract name. The input arrives from durable history as the
 * orchestration wrote it (callActivity checked its type there), so it is passed on as that type. Every run logs its
 * start and outcome once (src/observability).
 *
 * `durableClient: true` adds a durable client input binding, so the handler can start orchestrations
 * (`df.getClient(context)`). durable-functions' ActivityOptions takes `extraInputs` like any function (3.5.0,
 * types/activity.d.ts), and getClient finds the binding in any invocation context's `options.extraInputs`
 * (lib/src/durableClient/getClient.js); it is how an orchestration starts another without waiting for it, since the
 * JavaScript orchestration context has no fire-and-forget start (types/orchestration.d.ts: callSubOrchestrator
 * waits; .NET's IDurableOrchestrationContext.StartNewOrchestration has no JavaScript counterpart).
 */
export function registerActivity<N extends Name>(
  name: N,
  handler: (input: ActivityPayloads[N]["input"], context: InvocationContext) => Promise<ActivityPayloads[N]["output"]>,
  options: { durableClient?: boolean } = {},
): void {
  df.app.activity(name, {
    handler: observeActivity(name, handler),
    ...(options.durableClient ? { extraInputs: [df.input.durableClient()] } : {}),
  });
}
