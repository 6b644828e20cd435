import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import { observeActivity } from "../../observability/activity.js";
import type { ImageKey } from "./image.js";
import { ACTIVITY_RETRY } from "./retry.js";
import type { NotifyRequest, NotifyResult } from "./notify.js";
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

/**
 * Registers an activity's handler under its contract name. The input arrives from durable history as the
 * orchestration wrote it (callActivity checked its type there), so it is passed on as that type. Every run logs its
 * start and outcome once (src/observability).
 */
export function registerActivity<N extends Name>(
  name: N,
  handler: (input: ActivityPayloads[N]["input"]) => Promise<ActivityPayloads[N]["output"]>,
): void {
  df.app.activity(name, { handler: observeActivity(name, handler) });
}
