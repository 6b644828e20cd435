import type { NotificationFacts, NotificationType, NotifyRequest } from "../pipeline/contract/notify.js";
import type { Notifier, StartDelivery } from "../notify/notifier.js";
import { describeEvent } from "./describe-event.js";
import type { EnforcementNotice, NoticeOccurrence, RemediationNotifier } from "./notifier.js";
import type { RemediationEvent } from "./reconcile.js";

/**
 * The notifications stream for re-evaluation (docs/notifications.md): each remediation event and each enforcement
 * becomes one NotifyRequest handed to the delivery orchestrations, exactly as the pipeline's events are (`handOff`
 * never sends, never throws). The occurrence (run, image, finding, event, reminder day) makes the event id, so a
 * repeated activity hands off the same id and the delivery instance already there takes it: nothing is sent twice.
 * An unusable re-scan is not notified (it changes nothing; the audit and the event line say it).
 */
export function notifyStreamNotifier(
  notifier: Pick<Notifier, "handOff">,
  start: StartDelivery,
  statusUrl?: (image: NoticeOccurrence["image"]) => string | undefined,
): RemediationNotifier {
  return {
    notify: async (event, occurrence) => {
      const mapped = toRequest(event, occurrence);
      if (!mapped) return;
      const link = statusUrl?.(occurrence.image);
      const result = await notifier.handOff({ ...mapped, ...(link ? { statusUrl: link } : {}) }, start);
      if (result.error) throw new Error(`notification not handed off: ${result.error}`);
    },
  };
}

function isEnforcement(event: RemediationEvent | EnforcementNotice): event is EnforcementNotice {
  return event.kind === "reblocked" || event.kind === "reopened";
}

function toRequest(event: RemediationEvent | EnforcementNotice, at: NoticeOccurrence): NotifyRequest | undefined {
  // The run and the image name the occurrence with the event: the same finding in two images is two events.
  const base = {
    image: at.image,
    instanceId: `reevaluation:${at.runId}:${at.image.loginServer}/${at.image.repository}@${at.image.digest}`,
    at: at.at,
  };
  if (isEnforcement(event)) {
    return {
      ...base,
      type: event.kind === "reblocked" ? "image.reblocked" : "image.reopened",
      round: event.kind,
      facts: {
        actor: "gate:reevaluation",
        reason: event.reason.slice(0, 1_000),
        readEnabled: event.readEnabled,
        ...(event.quarantineState ? { quarantineState: event.quarantineState } : {}),
      },
    };
  }
  if (event.kind === "rescan-unusable") return undefined;
  const { record } = event;
  const type: NotificationType = `remediation.${event.kind}`;
  const facts: NotificationFacts = {
    actor: "gate:reevaluation",
    reason: describeEvent(event),
    findingId: record.findingId,
    package: record.package,
    severity: record.severity,
    dueBy: record.dueBy,
    ...(event.kind === "reminder" ? { daysBefore: event.daysBefore } : {}),
    ...(event.kind === "due" ? { action: event.action } : {}),
    ...(event.kind === "closed" && record.closedReason ? { action: record.closedReason } : {}),
  };
  const day = event.kind === "reminder" ? `|${event.daysBefore}` : "";
  return { ...base, type, round: `${record.findingId}|${record.package}|${event.kind}${day}`, facts };
}
