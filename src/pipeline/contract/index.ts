/**
 * The pipeline contract: everything the triggers, the orchestrations and the sweep agree on. Names of orchestrations,
 * activities and events; the one retry policy; every payload that crosses a Durable boundary; the id formats; the
 * runtime-status groups. Function files register through it and import nothing from the orchestrations.
 */
export {
  ACTIVITY,
  ACTIVITY_IDEMPOTENCY,
  EVENT,
  ORCHESTRATION,
  type ActivityName,
  type EventName,
  type OrchestrationName,
} from "./names.js";
export { ACTIVITY_RETRY, SCAN_RETRY, scanRetryDelayMs } from "./retry.js";
export { callActivity, callActivityWithPolicy, registerActivity, type ActivityPayloads } from "./activities.js";
export { raiseEvent, waitForEvent, type EventPayloads } from "./events.js";
export {
  notifyEventStarter,
  registerOrchestration,
  startOrchestrationOnce,
  type OrchestrationInputs,
  type StartOnceResult,
} from "./orchestrations.js";
export {
  NOTIFICATION_TYPES,
  notifier,
  notifyRetryDelayMs,
  notifyRetryOptions,
  outcomeNotification,
  verdictFacts,
  type DeliverNotificationResult,
  type NotificationAttemptInput,
  type NotificationAttemptResult,
  type NotifyEventInput,
  type NotifyEventOutcome,
  type NotificationDeadLetterInput,
  type NotifyDeliveryInput,
  type NotifyDeliveryOutcome,
  type NotifyRetry,
  type SinkDeliveryOutcome,
  type NotificationFacts,
  type NotificationType,
  type Notify,
  type NotifyRequest,
  type NotifyResult,
} from "./notify.js";
export { imageReference, parseImageReference, type ImageKey } from "./image.js";
export {
  backfillInstanceId,
  backfillInstancePrefix,
  breakGlassInstanceId,
  breakGlassRequestId,
  type BreakGlassRequest,
  isPipelineInstanceId,
  isRescanId,
  notifyDeliveryInstanceId,
  notifyEventInstanceId,
  pipelineInstanceId,
  pipelineOfScan,
  rescanId,
  scanId,
} from "./ids.js";
export {
  FINISHED_STATUSES,
  LIVE_STATUSES,
  RESTARTABLE_STATUSES,
  isFinished,
  isLive,
  isRestartable,
  isRunning,
} from "./runtime-status.js";
export type {
  ApprovalConfirmation,
  ApprovalDecision,
  ApprovalRound,
  ApprovalSettlement,
  AttestDecisionInput,
  AttestDecisionResult,
  ConfirmApprovalInput,
  LedgerDecision,
  BreakGlassInput,
  InspectResult,
  InspectedArtifact,
  PipelineInput,
  PipelineMode,
  PipelineOutcome,
  PipelineSource,
  PipelineStatus,
  PollScanInput,
  RecordDecisionInput,
  RegistryDecisionRequest,
  RegistryDecisionResult,
  ScanPoll,
  ScanReportEvent,
  ScanSubmission,
  Stage,
  SubmitScanInput,
  VerdictDecision,
  VerdictSummary,
  VexBrief,
} from "./payloads.js";
