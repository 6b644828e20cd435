import type { Notifier, StartDelivery } from "./notifier.js";
import type { DeliveryLedger } from "./delivery-ledger.js";
import { recentDeadLetters, sweepCompletedRequest, type SweepReportBrief } from "./sweep.js";

/**
 * After a sweep run: one line with the notification dead letters of the last 24 hours (the metric: query it in Log
 * Analytics, docs/notifications.md), and sweep.completed per registry when notifications are on, handed off to the
 * delivery orchestrations like every event (`start`). Never throws: the sweep's own work is done and reported
 * whatever happens here.
 */
export async function afterSweep(
  reports: readonly SweepReportBrief[],
  parts: {
    notifier: () => Notifier | undefined;
    start: StartDelivery;
    ledger: () => DeliveryLedger;
    now: () => Date;
    log: (line: string) => void;
  },
): Promise<void> {
  try {
    const deadLetters = await recentDeadLetters(parts.ledger(), parts.now());
    parts.log(`notification dead letters in the last 24 h: ${deadLetters ?? "unknown (ledger unavailable)"}`);
    const notifier = parts.notifier();
    if (!notifier) return;
    await Promise.all(
      reports.map((report) => notifier.handOff(sweepCompletedRequest(report, deadLetters ?? -1), parts.start)),
    );
  } catch (error) {
    parts.log(`notifications after the sweep failed: ${(error as Error).name}`);
  }
}
