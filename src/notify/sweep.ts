import type { NotifyRequest } from "../pipeline/contract/notify.js";
import type { DeliveryLedger } from "./delivery-ledger.js";

/** What the sweep.completed event needs of a sweep report (src/sweep/report.ts SweepReport). */
export interface SweepReportBrief {
  registry: string;
  runId: string;
  trigger: string;
  startedAt: string;
  finishedAt: string;
  outcome: string;
  findings: unknown[];
  counts: { manifests: number; pending: number };
  stale: { total: number };
  expired: { total: number };
  started: { total: number };
  restarted: { total: number };
}

/** The notification dead letters of the last day: the sweep's line and the sweep.completed count. */
export const DEAD_LETTER_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * sweep.completed for one registry's run: the findings counts, and the notifications that stayed undelivered in the
 * last 24 hours (the dead letters). Its id comes from the run id, so a repeated emission is one event.
 */
export function sweepCompletedRequest(report: SweepReportBrief, deadLetters: number): NotifyRequest {
  return {
    type: "sweep.completed",
    image: { loginServer: report.registry, repository: "", digest: "" },
    instanceId: `sweep-${report.runId}`,
    round: report.startedAt,
    at: report.finishedAt,
    facts: {
      trigger: report.trigger,
      reason: report.outcome,
      counts: {
        findings: report.findings.length,
        manifests: report.counts.manifests,
        pending: report.counts.pending,
        stale: report.stale.total,
        expired: report.expired.total,
        started: report.started.total,
        restarted: report.restarted.total,
        notificationDeadLetters: deadLetters,
      },
    },
  };
}

/** Dead letters in the window before `now`; undefined when the ledger cannot be read (the count is then unknown). */
export async function recentDeadLetters(ledger: DeliveryLedger, now: Date): Promise<number | undefined> {
  try {
    return (await ledger.deadLettersSince(new Date(now.getTime() - DEAD_LETTER_WINDOW_MS), now)).length;
  } catch {
    return undefined;
  }
}
