import type { RemediationEvent } from "./reconcile.js";

/** One line for people about one event: the audit's reason and the notice. */
export function describeEvent(event: RemediationEvent): string {
  switch (event.kind) {
    case "opened":
      return `${event.record.findingId} (${event.record.severity}) in ${event.record.package}: fix by ${event.record.dueBy}`;
    case "reminder":
      return `${event.record.findingId} in ${event.record.package} is due by ${event.record.dueBy} (${event.daysBefore} d)`;
    case "closed":
      return `${event.record.findingId} in ${event.record.package} closed: ${event.record.closedReason ?? "closed"}`;
    case "due":
      return `${event.record.findingId} in ${event.record.package} was due by ${event.record.dueBy}: ${event.action}`;
    case "rescan-unusable":
      return `re-scan unusable (${event.code}): ${event.message}; nothing opened or closed`;
  }
}
