import type { QuarantineStatus } from "../acr/index.js";
import { isLive as isLiveStatus, isRestartable } from "../pipeline/contract/index.js";
import type { PipelineView } from "./pipeline-view.js";

export interface SweepRules {
  staleAfterMs: number;
  maxQuarantineAgeMs: number;
  /** EXPIRE_IN_QUARANTINE: pending longer than maxQuarantineAgeMs → Failed. Off: such images are only reported. */
  expireInQuarantine: boolean;
}

/** What the sweep does about one manifest. */
export type SweepDecision =
  | { kind: "released" }
  | { kind: "failed" }
  /** Pending longer than MAX_QUARANTINE_AGE with expiry on: Failed, "expired in quarantine" (a live pipeline is ended first). */
  | { kind: "expire"; quarantineAgeMs: number; livePipeline: PipelineView | undefined }
  /** No pipeline: the webhook was missed. */
  | { kind: "start" }
  /** The pipeline ended Failed/Terminated (scanner down, release refused, manifest deleted and pushed again): start afresh. */
  | { kind: "restart"; previous: PipelineView }
  | { kind: "in-progress"; pipeline: PipelineView; pipelineAgeMs: number | undefined }
  /** Running longer than STALE_AFTER: flagged with its stage (e.g. awaiting-approval, scanning). */
  | { kind: "stale"; pipeline: PipelineView; pipelineAgeMs: number }
  /** The pipeline completed but left the image pending: shadow mode, or an approval timeout that keeps it quarantined. */
  | { kind: "ended-pending"; pipeline: PipelineView };

export function ageMs(since: string | undefined, now: Date): number | undefined {
  if (!since) return undefined;
  const at = Date.parse(since);
  return Number.isNaN(at) ? undefined : Math.max(0, now.getTime() - at);
}

export function isLive(pipeline: PipelineView | undefined): boolean {
  return pipeline !== undefined && isLiveStatus(pipeline.runtimeStatus);
}

/**
 * Decides what to do about a manifest from its registry state, its age in quarantine (since it was pushed) and its
 * pipeline. Only Passed releases and Failed decides; anything else is pending (acr-protocol.md §2.5). Nothing here can
 * lead to Passed: the sweep only starts pipelines, flags them, or fails images that waited too long.
 */
export function classify(
  manifest: { status: QuarantineStatus; createdTime: string },
  pipeline: PipelineView | undefined,
  rules: SweepRules,
  now: Date,
): SweepDecision {
  if (manifest.status === "released") return { kind: "released" };
  if (manifest.status === "failed") return { kind: "failed" };
  const quarantineAge = ageMs(manifest.createdTime, now);
  // An unreadable push time never expires an image: without an age there is no evidence it waited too long.
  if (rules.expireInQuarantine && quarantineAge !== undefined && quarantineAge > rules.maxQuarantineAgeMs) {
    return { kind: "expire", quarantineAgeMs: quarantineAge, livePipeline: isLive(pipeline) ? pipeline : undefined };
  }
  if (!pipeline) return { kind: "start" };
  if (isRestartable(pipeline.runtimeStatus)) return { kind: "restart", previous: pipeline };
  if (pipeline.runtimeStatus === "Completed") return { kind: "ended-pending", pipeline };
  const pipelineAge = ageMs(pipeline.createdTime, now);
  if (pipelineAge !== undefined && pipelineAge > rules.staleAfterMs)
    return { kind: "stale", pipeline, pipelineAgeMs: pipelineAge };
  return { kind: "in-progress", pipeline, pipelineAgeMs: pipelineAge };
}
