import { OrchestrationRuntimeStatus } from "durable-functions";

/**
 * The one grouping of Durable runtime statuses (durable-functions' OrchestrationRuntimeStatus) that every part of the
 * gate uses: the webhook's delete, the idempotent start, the sweep and the approvals all ask these questions.
 */
const S = OrchestrationRuntimeStatus;

/** Not ended: the instance may still act on the image (ContinuedAsNew is a transient state of a live instance). */
export const LIVE_STATUSES: ReadonlySet<string> = new Set([S.Pending, S.Running, S.Suspended, S.ContinuedAsNew]);
/** Ended, one way or another. */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set([S.Completed, S.Failed, S.Terminated, S.Canceled]);
/**
 * Ended without a decision (scanner down, registry refused the write, deleted meanwhile): a webhook or the sweep may
 * start the pipeline afresh. Completed is not restartable: a completed pipeline decided, or deliberately left the
 * image pending.
 */
export const RESTARTABLE_STATUSES: ReadonlySet<string> = new Set([S.Failed, S.Terminated, S.Canceled]);

export function isLive(runtimeStatus: unknown): boolean {
  return LIVE_STATUSES.has(String(runtimeStatus));
}

export function isFinished(runtimeStatus: unknown): boolean {
  return FINISHED_STATUSES.has(String(runtimeStatus));
}

export function isRestartable(runtimeStatus: unknown): boolean {
  return RESTARTABLE_STATUSES.has(String(runtimeStatus));
}

/** Running: the one status in which a pipeline waits for an approval or a scan report. */
export function isRunning(runtimeStatus: unknown): boolean {
  return String(runtimeStatus) === S.Running;
}
