import { OrchestrationRuntimeStatus, type DurableClient } from "durable-functions";
import { parseImageReference, type PipelineOutcome, type PipelineStatus } from "../contract/index.js";

/** One finished decision on an image: what the gate wrote (or did not), who decided and why. */
export interface DecisionView {
  instanceId: string;
  image: string;
  repository: string;
  outcome: PipelineOutcome["result"] | "ended";
  decidedBy: string;
  reason: string;
  override: boolean;
  decidedAt?: string;
  runtimeStatus: string;
}

export interface DecisionFilter {
  repository?: string;
  /** An outcome (`Passed`, `Failed`, `left-quarantined`, …) or undefined for all. */
  outcome?: string;
  /** How far back (days); at most 90. */
  days?: number;
  limit?: number;
}

const FINISHED = [
  OrchestrationRuntimeStatus.Completed,
  OrchestrationRuntimeStatus.Failed,
  OrchestrationRuntimeStatus.Terminated,
];

/**
 * Recent decisions, newest first, from the finished pipelines and break-glass releases the Durable host still knows
 * (their output is the outcome; the audit trail of each image has the full story).
 */
export async function listRecentDecisions(
  client: DurableClient,
  filter: DecisionFilter,
  now: Date,
): Promise<DecisionView[]> {
  const days = Math.min(Math.max(filter.days ?? 30, 1), 90);
  const limit = Math.min(Math.max(filter.limit ?? 100, 1), 500);
  const finished = await client.getStatusBy({
    runtimeStatus: FINISHED,
    createdTimeFrom: new Date(now.getTime() - days * 86_400_000),
  });
  const views: DecisionView[] = [];
  for (const s of finished) {
    const custom = s.customStatus as PipelineStatus | undefined;
    if (!custom?.image) continue;
    const key = parseImageReference(custom.image);
    const output = s.output as PipelineOutcome | undefined;
    const view: DecisionView = {
      instanceId: s.instanceId,
      image: custom.image,
      repository: key?.repository ?? "",
      outcome: output?.result ?? "ended",
      decidedBy: output?.decidedBy ?? custom.decision?.by ?? "",
      reason: output?.reason ?? custom.error ?? "",
      override: output?.override === true,
      ...(s.lastUpdatedTime ? { decidedAt: new Date(s.lastUpdatedTime).toISOString() } : {}),
      runtimeStatus: String(s.runtimeStatus),
    };
    if (filter.repository && view.repository !== filter.repository.toLowerCase()) continue;
    if (filter.outcome && view.outcome !== filter.outcome) continue;
    views.push(view);
  }
  return views.sort((a, b) => (b.decidedAt ?? "").localeCompare(a.decidedAt ?? "")).slice(0, limit);
}
